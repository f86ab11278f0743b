"""Numbers as the papers and pages print them: Vietnamese decimal comma and thousands dot."""

from __future__ import annotations

from tdkt.common.numbers import decimal, percent


def test_vietnamese_number_formats() -> None:
    assert decimal(14.26) == "14,3" and decimal(1234.5) == "1.234,5" and decimal(20.0) == "20"
    assert decimal(1_250_000) == "1.250.000"
    assert percent(12, 13) == "92,3 %" and percent(13, 13) == "100 %" and percent(1, 0) == ""
