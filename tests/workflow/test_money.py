"""Award money: a coefficient of the base salary in force on the decision's day, rounded up; a newer base salary
from the settings before the rule set carries its decree."""

from __future__ import annotations

from datetime import date

import pytest

from config.rules import rule_set
from config.settings import Settings, get_settings
from tdkt.workflow.money import award_of, dong, total


@pytest.mark.parametrize(("day", "each"), [(date(2020, 11, 18), 450000), (date(2023, 7, 1), 540000),
                                           (date(2024, 7, 1), 710000), (date(2019, 6, 30), None)])
def test_the_base_salary_of_the_day_and_the_rounding(day: date, each: int | None) -> None:
    award = award_of(rule_set("nd91-2017"), "LDTT", day)  # 0,3 × 1.490.000 / 1.800.000 / 2.340.000
    assert (award.each if award else None) == each


def test_a_newer_base_salary_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = rule_set("luat-2022")
    monkeypatch.setenv("TDKT_BASE_SALARY", "2530000")
    monkeypatch.setenv("TDKT_BASE_SALARY_FROM", "2026-07-01")
    get_settings.cache_clear()
    try:
        assert award_of(rules, "GK_XA_TT", date(2026, 6, 30)).each == 1410000  # 0,6 × 2.340.000 = 1.404.000
        newer = award_of(rules, "GK_XA_TT", date(2026, 7, 1))
        assert newer.each == 1520000 and newer.base.amount == 2530000  # 0,6 × 2.530.000 = 1.518.000
        assert total(rules, ["LDTT", "GK_XA_TT", "HS_GIOI"], date(2026, 7, 1)) == 760000 + 1520000  # no money: 0
        assert dong(1520000) == "1.520.000"
    finally:
        get_settings.cache_clear()


def test_a_base_salary_without_its_day_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TDKT_BASE_SALARY", "2530000")
    monkeypatch.delenv("TDKT_BASE_SALARY_FROM", raising=False)
    with pytest.raises(ValueError, match="TDKT_BASE_SALARY và TDKT_BASE_SALARY_FROM phải được đặt cùng nhau"):
        Settings()
