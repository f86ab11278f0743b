"""The reminder ladder: when each reminder before a stage deadline falls (days before it, at an hour)."""

from __future__ import annotations

from datetime import datetime, time

from config.settings import get_settings
from tdkt.common.calendar import days_before
from tdkt.common.timefmt import local


def reminder_moments(due: datetime, *, offsets: list[int], working: bool, hour: int) -> dict[int, datetime]:
    """When the reminder of each offset (days before the deadline) is due: at `hour`, local time."""
    tz = get_settings().tz
    due_day = local(due).date()
    return {offset: datetime.combine(days_before(due_day, offset, working=working), time(hour), tzinfo=tz)
            for offset in offsets}
