"""What each nominee is eligible for, from the rule set and the award history: "đủ điều kiện" or "thiếu: …".

Shown to the school while it prepares its dossier and to reviewers beside each nomination. Preconditions
(same-year title, initiative, consecutive years, a collective's members) and the registration the submission
asks for; papers, votes and caps are the dossier's checks.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlmodel import Session

from config.rules import campaign_rules
from models.campaign import Campaign, Phase
from models.dossier import Dossier
from models.nomination import Nomination, Nominee, active_nominations
from tdkt.workflow.award_rules import record_for, shortfalls, unregistered


@dataclass(frozen=True)
class Standing:
    requested: str  # the requested title's name
    missing: list[str]  # empty: đủ điều kiện
    also_eligible: list[str] = field(default_factory=list)  # higher titles whose conditions are met too
    beyond: str = ""  # who grants the title, when the route's decision may not: it is to be proposed higher

    @property
    def eligible(self) -> bool:
        return not self.missing


def for_dossier(session: Session, *, dossier_id: int, active: list[tuple[Nomination, Nominee]] | None = None,
                deciders: Collection[str] = ()) -> dict[int, Standing]:
    """Nomination id → its standing, for the dossier's active nominations (`active`, when the caller has them);
    with the roles that sign the route's decision (`deciders`), the titles they may not grant say who does."""
    dossier = session.get(Dossier, dossier_id)
    phase = session.get(Phase, dossier.phase_id) if dossier else None
    campaign = session.get(Campaign, phase.campaign_id) if phase else None
    if phase is None or campaign is None:
        return {}
    rules = campaign_rules(campaign)
    pairs = active if active is not None else active_nominations(session, dossier_id=dossier_id)
    record = record_for(session, phase=phase, school_year=campaign.school_year,
                        nominee_ids=[p.id or 0 for _, p in pairs])
    gaps = unregistered(session, rules=rules, campaign=campaign, school_id=dossier.school_id if dossier else 0,
                        pairs=pairs)
    standings = {}
    for nomination, nominee in pairs:
        if nomination.title_code not in rules.titles:
            continue

        def missing(code: str) -> list[str]:
            return [m for m, _ in shortfalls(rules, code, nomination, nominee, record)]  # noqa: B023

        higher = [t.name for code, t in rules.titles.items()
                  if code != nomination.title_code and t.subject == nominee.kind and t.proposed
                  and (t.yearly == phase.year_end or not t.yearly)
                  and any(r.history or r.members for top in t.requires for r in top.flattened())
                  and not missing(code)]
        gap = [gaps[nomination.id or 0]] if (nomination.id or 0) in gaps else []
        standings[nomination.id or 0] = Standing(requested=rules.titles[nomination.title_code].name,
                                                 missing=gap + missing(nomination.title_code), also_eligible=higher,
                                                 beyond=rules.beyond(nomination.title_code, deciders))
    return standings
