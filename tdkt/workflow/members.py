"""What a collective reports of its members, and the rule set's conditions on it.

A collective's title depends on its members: Tập thể lao động tiên tiến needs more than half of them Lao động
tiên tiến and nobody disciplined (cảnh cáo or above); Tập thể lao động xuất sắc all of them completing their
tasks, at least 70 % LĐTT and a Chiến sĩ thi đua cơ sở among them. The school reports these figures from the
collective's báo cáo thành tích (Mẫu 01), as numbers of people: `total`, `completed`, `disciplined`, and one per
title code held (`LDTT`, `CSTDCS`). Which figures a rule set asks for, and what they must reach, is data: the
`members` requirements of its collective titles (config/rules.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from config.rules import MEMBERS_TOTAL, Requirement, RuleSet, Title
from tdkt.common.errors import Refused

TOTAL = MEMBERS_TOTAL
Figures = dict[str, int]
_DOING = {"completed": "hoàn thành nhiệm vụ", "disciplined": "bị kỷ luật từ hình thức cảnh cáo trở lên"}


def asked(rules: RuleSet) -> list[str]:
    """The figures the rule set's collective titles ask for, in the order of a report: the total, those who
    completed their tasks, the holders of each title (catalogue order), the disciplined."""
    named = {need.members for title in rules.titles.values() for top in title.requires for need in top.flattened()
             if need.members}
    ordered = ["completed", *rules.titles, "disciplined"]
    return [TOTAL, *(key for key in ordered if key in named)] if named else []


def label(rules: RuleSet, key: str, *, within: bool = False) -> str:
    """What a figure counts, for a form field or a spreadsheet column ("Số cá nhân đạt LĐTT"); `within` a
    sentence, its first letter in lower case."""
    text = "Tổng số cá nhân trong tập thể" if key == TOTAL else f"Số cá nhân {_doing(rules, key, short=True)}"
    return text[0].lower() + text[1:] if within else text


def _doing(rules: RuleSet, key: str, short: bool = False) -> str:
    if key in _DOING:
        return _DOING[key]
    title = rules.titles[key]
    return f"đạt {title.abbreviation}" if short else f"đạt danh hiệu {title.name}"


def problems(rules: RuleSet, figures: Mapping[str, int]) -> list[str]:
    """Why figures cannot be true, in Vietnamese: unknown, negative, more than the members, or more holders of a
    title than of the title it requires (every CSTĐCS is also LĐTT)."""
    keys = asked(rules)
    unknown = [key for key in figures if key not in keys]
    if unknown:
        known = "; ".join(f"{key} ({label(rules, key)})" for key in keys) or "bộ quy tắc không hỏi số liệu nào"
        return [f"Không có số liệu '{key}'. Các số liệu: {known}." for key in unknown]
    found = [f"{label(rules, key)}: {value} không phải số người (số nguyên từ 0)."
             for key, value in figures.items() if isinstance(value, bool) or not isinstance(value, int) or value < 0]
    if found or not figures:
        return found
    total = figures.get(TOTAL)
    if not total:
        return [f"Cần ghi {label(rules, TOTAL, within=True)} (ít nhất 1)."]
    found += [f"{label(rules, key)} ({value}) nhiều hơn tổng số cá nhân trong tập thể ({total})."
              for key, value in figures.items() if key != TOTAL and value > total]
    for code, title in rules.titles.items():
        for need in title.requires:
            base = need.with_title
            if base and code in figures and base in figures and figures[code] > figures[base]:
                found.append(f"{label(rules, code)} ({figures[code]}) nhiều hơn {label(rules, base, within=True)} "
                             f"({figures[base]}): người đạt {title.name} phải đạt {rules.titles[base].name}.")
    return found


def missing(rules: RuleSet, title: Title, figures: Mapping[str, int] | None) -> str | None:
    """The figures a title's conditions on a collective's members read and the school has not given, in words."""
    named = [need.members for top in title.requires for need in top.flattened() if need.members]
    given = figures or {}
    absent = [key for key in ([TOTAL, *dict.fromkeys(named)] if named else [])
              if (not given.get(TOTAL) if key == TOTAL else key not in given)]  # a count of 0 is a figure, a total not
    if not absent:
        return None
    return f"cần ghi số liệu cá nhân trong tập thể ({', '.join(label(rules, key, within=True) for key in absent)})"


def unmet(rules: RuleSet, need: Requirement, figures: Mapping[str, int] | None) -> str | None:
    """What the collective's figures miss of one `members` requirement, in words, or None when it is met (the
    figures it reads must be there: see `missing`)."""
    assert need.members is not None and figures and figures.get(TOTAL) and need.members in figures
    key, doing, total = need.members, _doing(rules, need.members), figures[TOTAL]
    count = figures[key]
    if need.more_than_share is not None:
        share = Fraction(str(need.more_than_share))
        met, wanted = count > share * total, f"trên {_pct(share)} cá nhân trong tập thể {doing}"
    elif need.at_least_share is not None:
        share = Fraction(str(need.at_least_share))
        met = count >= share * total
        wanted = f"{'' if share == 1 else 'ít nhất '}{_pct(share)} cá nhân trong tập thể {doing}"
    elif need.at_least is not None:
        met, wanted = count >= need.at_least, f"ít nhất {need.at_least} cá nhân {doing}"
    else:
        assert need.at_most is not None
        met = count <= need.at_most
        wanted = f"không có cá nhân nào {doing}" if need.at_most == 0 else f"tối đa {need.at_most} cá nhân {doing}"
    return None if met else f"cần {wanted}; số liệu: {count}/{total} cá nhân"


def _pct(share: Fraction) -> str:
    return f"{float(share * 100):g}%"


def describe(rules: RuleSet, figures: Mapping[str, int] | None) -> str:
    """The figures in one line: "20 cá nhân: 20 hoàn thành nhiệm vụ, 15 đạt LĐTT, 0 bị kỷ luật …"."""
    if not figures:
        return ""
    parts = [f"{value} {_doing(rules, key, short=True)}" for key, value in figures.items()
             if key != TOTAL and (key in _DOING or key in rules.titles)]
    return f"{figures.get(TOTAL, 0)} cá nhân" + (f": {', '.join(parts)}" if parts else "")


def read(rules: RuleSet, values: Mapping[str, str]) -> Figures | None:
    """Figures typed into a form, a spreadsheet row or the command line (figure -> text; blanks skipped), in the
    order the rule set asks for them; Refused naming each one that is not a number of people."""
    wrong, figures = [], {}
    for key, text in values.items():
        text = str(text).strip()
        if not text:
            continue
        number = text[:-2] if text.endswith(".0") else text  # a spreadsheet's whole number read as a float
        if not (number.isascii() and number.isdigit()) or len(number) > 6:
            wrong.append(f"{label(rules, key) if key in asked(rules) else key}: '{text}' không phải số người "
                         "(số nguyên từ 0).")
            continue
        figures[key] = int(number)
    if wrong:
        raise Refused("bad_figures", " ".join(wrong))
    order = {key: i for i, key in enumerate(asked(rules))}
    return dict(sorted(figures.items(), key=lambda item: order.get(item[0], len(order)))) or None


def checked(rules: RuleSet, figures: Mapping[str, int] | None, *, collective: bool, name: str) -> Figures | None:
    """The figures to store for a nominee, or Refused when they cannot be true or the nominee is not a collective."""
    if not figures:
        return None
    if not collective:
        raise Refused("figures_for_individual", f"{name}: số liệu cá nhân trong tập thể chỉ ghi cho tập thể.")
    if found := problems(rules, figures):
        raise Refused("bad_figures", f"{name}: " + " ".join(found))
    return dict(figures)
