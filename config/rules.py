"""Award rule sets: the catalogue of titles and the council's vote rules, versioned by legal basis.

One YAML file per legal basis in config/rules/; a campaign names the one it follows. Every value carries
the article it comes from and a confidence mark (H primary text seen, M reliable secondary, L single source).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from config.yaml_source import ConfigError, load_model
from models.nomination import SubjectKind


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VoteRule(Strict):
    """A nominee passes when votes in favour reach `share` of the council members present (or of all)."""

    share: float = Field(gt=0, le=1)
    of: Literal["present", "members"] = "present"
    article: str
    confidence: Literal["H", "M", "L"]


class Council(Strict):
    quorum: float = Field(gt=0, le=1, description="share of members who must be present")
    quorum_article: str
    vote: VoteRule


class Title(Strict):
    name: str
    abbreviation: str
    subject: SubjectKind
    granted_by: list[str] = Field(min_length=1)
    article: str
    confidence: Literal["H", "M", "L"]
    vote: VoteRule | None = None


class RuleSet(Strict):
    id: str
    name: str
    basis: list[str] = Field(min_length=1)
    valid_from: date
    valid_to: date | None = None
    working_days: bool = Field(False, description="count reminder offsets in working days (VN holidays skipped)")
    working_days_article: str | None = None
    council: Council
    titles: dict[str, Title] = Field(min_length=1)

    def vote_rule(self, title_code: str) -> VoteRule:
        title = self.titles[title_code]
        return title.vote or self.council.vote


def _check(rules: RuleSet) -> list[tuple[Sequence[str | int], str]]:
    if rules.valid_to and rules.valid_to < rules.valid_from:
        return [(("valid_to",), "ngày hết hiệu lực trước ngày có hiệu lực")]
    return []


def load_rules(path: Path) -> RuleSet:
    return load_model(path, RuleSet, _check)


@lru_cache
def rule_set(rule_set_id: str) -> RuleSet:
    """The rule set with this id, from TDKT_RULES_DIR."""
    from config.settings import get_settings

    path = get_settings().rules_dir / f"{rule_set_id}.yaml"
    if not path.exists():
        raise ConfigError(path, [f"không tìm thấy bộ quy tắc '{rule_set_id}' ({path})"])
    rules = load_rules(path)
    if rules.id != rule_set_id:
        raise ConfigError(path, [f"{path.name}: id '{rules.id}' khác tên tệp '{rule_set_id}'"])
    return rules
