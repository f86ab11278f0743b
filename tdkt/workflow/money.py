"""Award money: what a decision pays each nominee and in all, from the rule set's coefficients and the base salary
in force on the day it is signed (a newer one from the settings, before the rule set carries its decree)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from config.rules import BaseSalary, RuleSet
from config.settings import get_settings
from tdkt.common.numbers import decimal


@dataclass(frozen=True)
class Award:
    coefficient: float
    base: BaseSalary
    each: int  # đồng, rounded up as the rule set says


def newer_base() -> BaseSalary | None:
    settings = get_settings()
    if settings.base_salary is None or settings.base_salary_from is None:
        return None
    return BaseSalary(since=settings.base_salary_from, amount=settings.base_salary,
                      article="mức lương cơ sở theo cấu hình TDKT_BASE_SALARY")


def award_of(rules: RuleSet, title_code: str, on: date) -> Award | None:
    """The money one grant of the title carries on day `on`; None when the rule set gives none."""
    title = rules.titles.get(title_code)
    if rules.money is None or title is None or title.money is None:
        return None
    base = rules.money.base_on(on, newer_base())
    if base is None:
        return None
    return Award(coefficient=title.money, base=base, each=rules.money.amount(title.money, base.amount))


def total(rules: RuleSet, title_codes: Iterable[str], on: date) -> int:
    return sum(award.each for code in title_codes if (award := award_of(rules, code, on)) is not None)


def dong(amount: int) -> str:
    """702000 → "702.000" (Vietnamese thousands)."""
    return decimal(amount, 0)
