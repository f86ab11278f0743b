"""Dates and times as users read them: dd/mm/yyyy, Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import date, datetime, time

from config.settings import get_settings
from tdkt.common.errors import Refused


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
    """Parse dd/mm/yyyy (or ISO yyyy-mm-dd); Refused, in Vietnamese, for anything else (31/02 included)."""
    text = text.strip()
    try:
        return datetime.strptime(text, "%d/%m/%Y").date() if "/" in text else date.fromisoformat(text)
    except ValueError as exc:
        raise Refused("bad_date", f"'{text}' không phải một ngày có thật dạng dd/mm/yyyy (ví dụ 05/11/2022).") from exc


def parse_time(text: str) -> time | None:
    """'14:30' or '14h30' (a meeting's hour); None for none given; Refused, in Vietnamese, for anything else."""
    text = text.strip().lower().replace("h", ":").rstrip(":")
    if not text:
        return None
    hour, _, minute = text.partition(":")
    try:
        return time(int(hour), int(minute or 0))
    except ValueError as exc:
        raise Refused("bad_time", f"'{text}' không phải giờ hợp lệ dạng HH:MM (ví dụ 14:30).") from exc


def parse_moment(text: str | None) -> datetime | None:
    """'dd/mm/yyyy HH:MM' (noon when the time is left out), local time; None for none given."""
    if not text:
        return None
    day, _, clock = text.strip().partition(" ")
    hour, _, minute = (clock or "12:00").partition(":")
    try:
        return datetime.combine(parse_date(day), time(int(hour), int(minute or 0)), tzinfo=get_settings().tz)
    except (Refused, ValueError) as exc:
        raise Refused("bad_moment", f"'{text}' không phải một thời điểm dạng 'dd/mm/yyyy HH:MM' "
                                    "(ví dụ '05/11/2022 14:30').") from exc


def days_left(deadline: datetime, today: date | None = None) -> str:
    """"còn 3 ngày", "hôm nay là hạn cuối" or "quá hạn 2 ngày": a deadline's calendar days from today, local."""
    left = (local(deadline).date() - (today or local_today())).days
    return "hôm nay là hạn cuối" if left == 0 else f"còn {left} ngày" if left > 0 else f"đã quá hạn {-left} ngày"
