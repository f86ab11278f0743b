"""Dates and times as users read them: dd/mm/yyyy, Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import date, datetime, time

from config.settings import get_settings


def local(moment: datetime) -> datetime:
    return moment.astimezone(get_settings().tz)


def local_today() -> date:
    """Today's date in the configured time zone (a deadline day is a Vietnamese day)."""
    return datetime.now(get_settings().tz).date()


def fmt_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


def fmt_datetime(moment: datetime) -> str:
    return local(moment).strftime("%H:%M %d/%m/%Y")


def end_of_day(day: date) -> datetime:
    """23:59:59 local time on `day`: a deadline "before dd/mm" in the plans means by the end of that day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=get_settings().tz)


def parse_date(text: str) -> date:
    """Parse dd/mm/yyyy (or ISO yyyy-mm-dd)."""
    text = text.strip()
    if "/" in text:
        return datetime.strptime(text, "%d/%m/%Y").date()
    return date.fromisoformat(text)
