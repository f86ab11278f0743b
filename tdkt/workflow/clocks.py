"""Statutory clocks: times the law counts from a dossier's arrival at a stage (config.route.Clock).

The arrival is the dossier's last move (Dossier.updated_at: only a transition writes it), so a clock restarts
when the dossier comes back to the stage.
"""

from __future__ import annotations

from datetime import datetime, time

from config.route import Clock
from config.settings import get_settings
from models.dossier import Dossier
from tdkt.common.calendar import days_after
from tdkt.common.timefmt import end_of_day, local


def clock_due(clock: Clock, dossier: Dossier) -> datetime:
    """A deadline clock: the end of its last working day; a wait: the start of the first day one may act."""
    day = days_after(local(dossier.updated_at).date(), clock.working_days, working=True)
    return end_of_day(day) if clock.kind == "deadline" else datetime.combine(day, time(0), tzinfo=get_settings().tz)


def describe(clock: Clock, dossier: Dossier) -> str:
    """The clock in a sentence for the dossier's page and the reminders."""
    due = local(clock_due(clock, dossier))
    arrived = local(dossier.updated_at).strftime("%d/%m/%Y")
    if clock.kind == "deadline":
        return (f"Hạn theo quy định: {due:%d/%m/%Y} ({clock.working_days} ngày làm việc kể từ khi hồ sơ đến ngày "
                f"{arrived}; {clock.article}).")
    return (f"Sớm nhất ngày {due:%d/%m/%Y} ({clock.working_days} ngày làm việc công khai kể từ ngày {arrived}; "
            f"{clock.article}).")
