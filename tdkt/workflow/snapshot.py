"""What a dossier held when it was returned, and what changed since: reviewers see the diff when it comes back.

The engine stores a snapshot (nominations with their tallies and a collective's figures, the council meeting, the
papers) in the audit event of every return; `changes_since_return` compares the latest one with the dossier as
it is now.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.campaign import phase_rules
from models.dossier import Dossier
from models.nomination import Nomination, Nominee, active_nominations
from models.paper import papers_of
from models.vote import council_vote_for, tallies_for
from tdkt.workflow import members


def snapshot(session: Session, *, dossier_id: int, rejecting: frozenset[int] = frozenset()) -> dict[str, Any]:
    """The dossier's contents in a JSON-friendly form (without the nominations being rejected right now)."""
    pairs = [(n, p) for n, p in active_nominations(session, dossier_id=dossier_id) if n.id not in rejecting]
    tallies = tallies_for(session, nomination_ids=[n.id or 0 for n, _ in pairs])
    vote = council_vote_for(session, dossier_id=dossier_id)
    return {
        "nominations": {_key(n, p): [tallies[n.id].votes_for, tallies[n.id].votes_against]
                        if n.id in tallies else None for n, p in pairs},
        "figures": {_key(n, p): n.member_figures for n, p in pairs if n.member_figures},
        "meeting": [vote.members_present, vote.members_total] if vote else None,
        "papers": {p.sha256: p.filename for p in papers_of(session, dossier_id=dossier_id)},
    }


def _key(nomination: Nomination, nominee: Nominee) -> str:
    return f"{nominee.full_name} – {nomination.title_code}"


def changes_since_return(session: Session, *, dossier_id: int, start_stage: str) -> list[str]:
    """Lines in Vietnamese: what differs from the snapshot of the latest return (none if never returned)."""
    event = session.exec(select(AuditEvent).where(AuditEvent.dossier_id == dossier_id,
                                                  AuditEvent.to_stage == start_stage)
                         .order_by(col(AuditEvent.seq).desc())).first()
    before = event.detail.get("snapshot") if event else None
    if not before:
        return []
    now = snapshot(session, dossier_id=dossier_id)
    dossier = session.get(Dossier, dossier_id)
    titles = phase_rules(session, phase_id=dossier.phase_id).titles if dossier else {}

    def named(key: str) -> str:  # the snapshot's key ends with the title's code; people read its name
        who, _, code = key.rpartition(" – ")
        return f"{who} – {titles[code].name}" if code in titles else key

    lines = [f"Thêm đề nghị: {named(key)}" for key in now["nominations"] if key not in before["nominations"]]
    lines += [f"Rút đề nghị: {named(key)}" for key in before["nominations"] if key not in now["nominations"]]
    lines += [f"Phiếu của {named(key)}: {_votes(old)} → {_votes(now['nominations'][key])}"
              for key, old in before["nominations"].items()
              if key in now["nominations"] and now["nominations"][key] != old]
    if "figures" in before:  # snapshots taken before collectives reported their members have no figures
        lines += [f"Số liệu của {named(key)}: {change}"
                  for key, change in _figure_changes(session, dossier_id, before["figures"], now["figures"])]
    if before["meeting"] != now["meeting"]:
        lines.append(f"Biên bản họp xét: có mặt {_votes(before['meeting'])} → {_votes(now['meeting'])} thành viên")
    lines += [f"Thêm giấy tờ: {name}" for sha, name in now["papers"].items() if sha not in before["papers"]]
    lines += [f"Bỏ giấy tờ: {name}" for sha, name in before["papers"].items() if sha not in now["papers"]]
    return lines


def _figure_changes(session: Session, dossier_id: int, before: dict[str, dict[str, int]],
                    now: dict[str, dict[str, int]]) -> list[tuple[str, str]]:
    """(key, "20 cá nhân: 10 đạt LĐTT … → …") for each nominee of both versions whose figures differ."""
    dossier = session.get(Dossier, dossier_id)
    assert dossier is not None
    rules = phase_rules(session, phase_id=dossier.phase_id)
    return [(key, f"{members.describe(rules, before.get(key)) or 'chưa có'} → "
                  f"{members.describe(rules, now.get(key)) or 'chưa có'}")
            for key in dict.fromkeys([*before, *now]) if before.get(key) != now.get(key)]


def _votes(pair: list[int] | None) -> str:
    return f"{pair[0]}/{pair[1]}" if pair else "chưa có"
