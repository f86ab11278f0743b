"""Award rule sets: the catalogue of titles and the council's vote rules, versioned by legal basis.

One YAML file per legal basis in config/rules/; a campaign names the one it follows. Every value carries
the article it comes from, in words a user may read; how sure that citation is (H primary text seen, M reliable
secondary, L single source) is a YAML comment for maintainers, never shown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from config.once import once
from config.vocabulary import PAPER_KINDS, SubjectKind
from config.yaml_source import ConfigError, load_model


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VoteRule(Strict):
    """A nominee passes when votes in favour reach `share` of the council members present (or of all); with
    `strict`, only when they exceed it (the text says "trên 50 %")."""

    share: float = Field(gt=0, le=1)
    of: Literal["present", "members"] = "present"
    strict: bool = Field(False, description="more than `share` (trên), not at least (từ … trở lên)")
    secret: bool = Field(False, description="the ballot must be secret (bỏ phiếu kín)")
    article: str

    def passes(self, votes: int, base: int) -> bool:
        return base > 0 and (votes / base > self.share if self.strict else votes / base >= self.share)

    def wanted(self) -> str:
        """The threshold in words: "trên 50%", "từ 90%"."""
        return f"{'trên' if self.strict else 'từ'} {self.share * 100:g}%"


class Council(Strict):
    quorum: float = Field(gt=0, le=1, description="share of members who must be present")
    quorum_article: str
    vote: VoteRule


class Cited(Strict):
    article: str


MEMBERS_TOTAL = "total"  # a collective's figure of all its members (tdkt/members.py)
MEMBER_COUNTS = ("completed", "disciplined")  # what a collective counts of its members besides titles held
COMPARISONS = ("more_than_share", "at_least_share", "at_least", "at_most")


REQUIREMENT_KINDS = ("with_title", "initiative", "history", "members", "any_of", "served_months", "not_disciplined")


class Requirement(Cited):
    """One precondition of a title; exactly one of its kinds is set.

    with_title: the same nominee also holds (or is proposed for) that title in the school year;
    initiative: the nomination names an initiative (sáng kiến) recognised by the unit;
    history: the nominee held that title `consecutive_years` years in a row, ending this year or the last;
    members: of a collective's members (the figures of its báo cáo thành tích), those who hold a title (its
    code), "completed" their tasks or were "disciplined" (cảnh cáo or above), compared by exactly one of
    `more_than_share` / `at_least_share` (of all its members), `at_least` / `at_most` (a number of people);
    any_of: alternatives ("hoặc"), each a list of requirements all of which must hold;
    served_months: the nominee was recruited at least that many months before the phase ends (when known);
    not_disciplined: the nominee was not disciplined in the school year.
    """

    with_title: str | None = None
    initiative: bool = False
    history: str | None = None
    consecutive_years: int = Field(1, ge=1)
    members: str | None = None
    more_than_share: float | None = Field(None, ge=0, lt=1)
    at_least_share: float | None = Field(None, gt=0, le=1)
    at_least: int | None = Field(None, ge=1)
    at_most: int | None = Field(None, ge=0)
    any_of: list[list[Requirement]] | None = Field(None, min_length=2)
    served_months: int | None = Field(None, ge=1, le=120)
    not_disciplined: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Requirement:
        if sum(getattr(self, kind) not in (None, False) for kind in REQUIREMENT_KINDS) != 1:
            raise ValueError(f"mỗi điều kiện ghi đúng một trong: {', '.join(REQUIREMENT_KINDS)}")
        compared = [name for name in COMPARISONS if getattr(self, name) is not None]
        if self.members is not None and len(compared) != 1:
            raise ValueError(f"điều kiện members ghi đúng một phép so sánh trong: {', '.join(COMPARISONS)}")
        if self.members is None and compared:
            raise ValueError(f"{', '.join(compared)} chỉ dùng với điều kiện members")
        if self.any_of is not None and any(not group for group in self.any_of):
            raise ValueError("mỗi phương án của any_of phải có ít nhất một điều kiện")
        return self

    def flattened(self) -> list[Requirement]:
        """This requirement and, for any_of, every requirement of its alternatives."""
        return [self] if self.any_of is None else [self, *(r for group in self.any_of for need in group
                                                           for r in need.flattened())]


class RatioCap(Cited):
    """Nominations for `title` at most `max_share` of those for `of`, counted in the dossier (the unit's own
    count) or the phase (for yearly titles: the year-end phase, so the year); `rounding` turns the share into a
    number of people (a province sets it: down by default, as "không quá" reads)."""

    title: str
    of: str
    max_share: float = Field(gt=0, le=1)
    scope: Literal["dossier", "phase"] = "phase"
    rounding: Literal["down", "nearest", "up"] = "down"

    def allowed(self, base: int) -> int:
        exact = self.max_share * base
        if self.rounding == "up":
            return math.ceil(exact - 1e-9)
        if self.rounding == "nearest":
            return math.floor(exact + 0.5 + 1e-9)
        return math.floor(exact + 1e-9)


class RegistrationRule(Cited):
    """Whether nominations must match the year's registration, and what happens to a late one."""

    required: bool
    late: Literal["refuse", "flag"] = "refuse"


class Basis(Strict):
    """A text a decision cites (căn cứ), while it is in force."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    text: str
    since: date | None = Field(None, alias="from")
    until: date | None = None

    def in_force(self, day: date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day <= self.until)


class BaseSalary(Cited):
    """The mức lương cơ sở from a day on, as its decree sets it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    since: date = Field(alias="from")
    amount: int = Field(gt=0, description="đồng a month")


class Money(Cited):
    """How award money is counted: a title's coefficient × the base salary in force on the decision's day,
    rounded up to `round_to` đồng."""

    round_to: int = Field(10000, gt=0)
    base_salary: list[BaseSalary] = Field(min_length=1)

    def base_on(self, day: date, newer: BaseSalary | None = None) -> BaseSalary | None:
        """The base salary in force on `day` (`newer`: a setting's, for a decree the rule set does not carry yet)."""
        known = [b for b in [*self.base_salary, *([newer] if newer else [])] if b.since <= day]
        return max(known, key=lambda b: b.since) if known else None

    def amount(self, coefficient: float, base: int) -> int:
        return math.ceil(round(coefficient * base, 2) / self.round_to) * self.round_to


class Title(Strict):
    name: str
    abbreviation: str
    subject: SubjectKind
    granted_by: list[str] = Field(min_length=1)
    article: str
    kind: Literal["danh_hieu", "khen_thuong"] = Field(
        "danh_hieu", description="a title of emulation (a decision công nhận it) or a form of commendation (tặng)")
    form: str | None = Field(None, description="the titles decided in one decision share a form (a Giấy khen to "
                                               "individuals and to collectives); a title's own code when unset")
    yearly: bool = Field(False, description="xét tặng hằng năm: nominated and decided once, in the year-end phase")
    proposed: bool = Field(True, description="false for a record of the award history only (a yearly rating), "
                                             "which no one nominates")
    vote: VoteRule | None = Field(None, description="the school council's vote, when the title sets its own")
    council_vote: bool = Field(True, description="the school's council votes on it (not a pupil's Giấy khen, "
                                                 "granted on the year's results)")
    grantor_vote: VoteRule | None = Field(None, description="the vote of the grantor's own council (the province's "
                                                            "Hội đồng Thi đua – Khen thưởng) before the decision")
    requires: list[Requirement] = []
    money: float | None = Field(None, gt=0, description="the award money: this many times the base salary")
    papers: list[str] = Field([], description="paper kinds the dossier must carry for this title")
    papers_article: str | None = None


class RuleSet(Strict):
    id: str
    name: str
    basis: list[str | Basis] = Field(min_length=1, description="the texts a decision cites; a dated one while it is "
                                                                 "in force")
    issuer_basis: dict[str, list[Basis]] = Field({}, description="what a decision cites of its issuer's own "
                                                                 "authority, by the issuer's kind (ubnd_huyen …)")
    valid_from: date
    valid_to: date | None = None
    working_days: bool = Field(False, description="count reminder offsets in working days (VN holidays skipped)")
    working_days_article: str | None = None
    registration: RegistrationRule | None = None
    council: Council
    authorities: dict[str, str] = Field(min_length=1, description="who may grant a title (its granted_by), by code: "
                                                                  "the Vietnamese name of the office holder")
    authority_article: str
    titles: dict[str, Title] = Field(min_length=1)
    caps: list[RatioCap] = []
    money: Money | None = None

    def cited(self, day: date, issuer_kind: str) -> list[str]:
        """The texts a decision signed on `day` by an issuer of this kind cites: its authority's, then the rules'."""
        items = [*self.issuer_basis.get(issuer_kind, []), *self.basis]
        return [b if isinstance(b, str) else b.text for b in items if isinstance(b, str) or b.in_force(day)]

    def vote_rule(self, title_code: str) -> VoteRule:
        title = self.titles[title_code]
        return title.vote or self.council.vote

    def form_of(self, title_code: str) -> str:
        """The form a title is decided in: one decision per grantor and form."""
        title = self.titles.get(title_code)
        return (title.form if title is not None else None) or title_code

    def beyond(self, title_code: str, deciders: Collection[str]) -> str:
        """Who grants the title, in words, when none of `deciders` (the roles that sign a route's decision) may;
        "" when one of them may, or when nobody signs one."""
        grantors = self.titles[title_code].granted_by
        if not deciders or set(grantors) & set(deciders):
            return ""
        return " hoặc ".join(self.authorities.get(code, code) for code in grantors)


def _check(rules: RuleSet) -> list[tuple[Sequence[str | int], str]]:
    problems: list[tuple[Sequence[str | int], str]] = []
    if rules.valid_to and rules.valid_to < rules.valid_from:
        problems.append((("valid_to",), "ngày hết hiệu lực trước ngày có hiệu lực"))
    for code, title in rules.titles.items():
        if code in (*MEMBER_COUNTS, MEMBERS_TOTAL):
            problems.append((("titles", code), f"mã danh hiệu '{code}' trùng tên một số liệu của tập thể"))
        for i, need in ((i, r) for i, top in enumerate(title.requires) for r in top.flattened()):
            for named in (need.with_title, need.history):
                if named is not None and named not in rules.titles:
                    problems.append((("titles", code, "requires", i), f"danh hiệu '{named}' không có trong bộ quy tắc"))
                elif named is not None and rules.titles[named].subject != title.subject:
                    problems.append((("titles", code, "requires", i), f"danh hiệu '{named}' xét cho đối tượng khác "
                                                                      f"(cá nhân / tập thể) với '{code}'"))
            if need.members is not None:
                problems += [(("titles", code, "requires", i, "members"), message)
                             for message in _member_problems(rules, title, need.members)]
        if title.form is not None and title.form != code:
            problems += [(("titles", code, "form"), message) for message in _form_problems(rules, code, title)]
        problems += [(("titles", code, "papers", i), f"loại giấy tờ '{kind}' không có (có: {', '.join(PAPER_KINDS)})")
                     for i, kind in enumerate(title.papers) if kind not in PAPER_KINDS]
        problems += [(("titles", code, "granted_by", i), f"người khen thưởng '{who}' chưa được khai báo trong "
                                                         f"'authorities'") for i, who in enumerate(title.granted_by)
                     if who not in rules.authorities]
    for i, cap in enumerate(rules.caps):
        problems += [(("caps", i, field), f"danh hiệu '{named}' không có trong bộ quy tắc")
                     for field, named in (("title", cap.title), ("of", cap.of)) if named not in rules.titles]
    return problems


def _form_problems(rules: RuleSet, code: str, title: Title) -> list[str]:
    """Titles decided together are of one kind and one grantor, or the decision could not be worded or signed."""
    model = rules.titles.get(title.form or "")
    if model is None:
        return [f"'{title.form}' phải là mã một danh hiệu trong bộ quy tắc (danh hiệu đứng đầu hình thức này)"]
    if model.kind != title.kind or model.granted_by != title.granted_by:
        return [f"'{code}' và '{title.form}' cùng một quyết định nên phải cùng loại (kind) và cùng người khen "
                "thưởng (granted_by)"]
    return []


def _member_problems(rules: RuleSet, title: Title, counted: str) -> list[str]:
    if title.subject != SubjectKind.collective:
        return ["điều kiện về cá nhân trong tập thể chỉ dùng cho danh hiệu của tập thể"]
    if counted in MEMBER_COUNTS:
        return []
    held = rules.titles.get(counted)
    if held is None:
        return [f"'{counted}' không phải danh hiệu trong bộ quy tắc, cũng không phải {' hay '.join(MEMBER_COUNTS)}"]
    return [] if held.subject == SubjectKind.individual else [f"'{counted}' là danh hiệu của tập thể, không phải "
                                                               "của cá nhân trong tập thể"]


def load_rules(path: Path) -> RuleSet:
    return load_model(path, RuleSet, _check)


@once
def rule_set(rule_set_id: str, overrides: str = "") -> RuleSet:
    """The rule set with this id, from TDKT_RULES_DIR, with a campaign's overrides (JSON) merged in.

    Provinces and schools set values in their quy chế (the council's vote share, a cap's rate …): a campaign
    overrides any value by its path, e.g. {"caps": …} or {"council": {"vote": {"share": 0.6}}}; the result is
    validated like the file itself.
    """
    from config.settings import get_settings

    path = get_settings().rules_dir / f"{rule_set_id}.yaml"
    if not path.exists():
        raise ConfigError(path, [f"không tìm thấy bộ quy tắc '{rule_set_id}' ({path})"])
    rules = load_rules(path)
    if rules.id != rule_set_id:
        raise ConfigError(path, [f"{path.name}: id '{rules.id}' khác tên tệp '{rule_set_id}'"])
    if not overrides:
        return rules
    merged = _merge(rules.model_dump(mode="json"), json.loads(overrides))
    try:
        overridden = RuleSet.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(path, [f"giá trị ghi đè của phong trào: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                                 for e in exc.errors()]) from exc
    if problems := _check(overridden):
        raise ConfigError(path, [f"giá trị ghi đè của phong trào: {message}" for _, message in problems])
    return overridden


def _merge(base: Any, override: Any) -> Any:
    """Deep merge of mappings; any other value (lists included) is replaced whole."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in override.items()}}
    return override


class CampaignRules(Protocol):
    """What a campaign row says of its rules (models.campaign.Campaign has both)."""

    rule_set: str
    rule_overrides: str


def campaign_rules(campaign: CampaignRules) -> RuleSet:
    """The rule set a campaign follows, with the campaign's own overrides."""
    return rule_set(campaign.rule_set, campaign.rule_overrides)


Requirement.model_rebuild()
