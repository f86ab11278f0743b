"""The use cases: everything a user can do, shared by the CLI, the web pages and the Prefect tasks.

Functions are keyword-only and session-first; they never commit (the caller's unit of work does). The
dossier's own use cases are re-exported here, so that callers write `services.submit(...)`; the others live
in the modules named after what they handle (registration, importer, links, …)."""

from tdkt.services.decisions import decide, decision_preview
from tdkt.services.dossiers import (
    Performed,
    StatusRow,
    act,
    add_nomination,
    delegate,
    dossier_view,
    edit_nomination,
    filter_rows,
    forward_block,
    history,
    may_see,
    open_dossier,
    overview,
    perform,
    person,
    quota_usage,
    record_council_vote,
    record_vote,
    set_deadline,
    set_digest,
    set_member_figures,
    status_rows,
    submit,
    title_overview,
    withdraw_nomination,
)

__all__ = [
    "Performed", "StatusRow", "act", "add_nomination", "decide", "decision_preview", "delegate", "dossier_view",
    "edit_nomination", "filter_rows", "forward_block", "history", "may_see", "open_dossier", "overview", "perform",
    "person", "quota_usage", "record_council_vote", "record_vote", "set_deadline", "set_digest", "set_member_figures",
    "status_rows", "submit", "title_overview", "withdraw_nomination",
]
