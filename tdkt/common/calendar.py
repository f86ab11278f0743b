"""Working days in Việt Nam: weekends and public holidays (Tết included) from the `holidays` package."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=[year]))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def days_after(day: date, count: int, *, working: bool) -> date:
    """The date `count` days after `day`; counting only working days when `working` (0 stays on `day`)."""
    if not working:
        return day + timedelta(days=count)
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def days_before(day: date, count: int, *, working: bool) -> date:
    """The date `count` days before `day`; counting only working days when `working` (0 stays on `day`)."""
    if not working:
        return day - timedelta(days=count)
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
