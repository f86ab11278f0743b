"""Numbers as Vietnamese writes them (a decimal comma, a dot between thousands), by Babel's CLDR data."""

from __future__ import annotations

from babel.numbers import format_decimal


def decimal(value: float, digits: int = 1) -> str:
    """14.26 → "14,3"; 1234.5 → "1.234,5"; whole numbers without decimals: 20.0 → "20"."""
    return format_decimal(round(value, digits), format="#,##0." + "#" * digits, locale="vi_VN")


def percent(part: float, whole: float, digits: int = 1) -> str:
    """12 of 13 → "92,3 %" (the space before the sign, as Vietnamese administrative papers print it)."""
    return f"{decimal(part / whole * 100, digits)} %" if whole else ""
