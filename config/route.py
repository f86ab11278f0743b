"""The route as data: stages, who acts, actions and where they lead, deadlines, notifications.

`config/route.yaml` is parsed into these models and checked at start-up (and by `tdkt config validate`):
every target exists, a terminal stage is reachable from every stage, checks and unit references name
registered things. An error names the file, the line and what is wrong, in Vietnamese.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from config.once import once
from config.vocabulary import DossierStatus, UnitKind
from config.yaml_source import load_model


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OfficeRef(Strict):
    """The nearest unit of this kind above the dossier's school (see models.unit.find_office)."""

    kind: UnitKind


UnitRef = Literal["school", "block_leader"] | OfficeRef


class Actors(Strict):
    roles: list[str] = Field(min_length=1)
    unit: UnitRef


class Notify(Strict):
    event: str
    unit: UnitRef
    roles: list[str] = Field(min_length=1)
    digest: bool = Field(False, description="recipients who chose the daily digest get it there instead")


class Escalate(Strict):
    """Who hears of reviews still pending after the deadline (the reviewer's superior)."""

    unit: UnitRef
    roles: list[str] = Field(min_length=1)


class Reminders(Strict):
    """When reminders go out before each stage deadline, and when overdue work is escalated."""

    offsets_days: list[int] = Field(default=[7, 3, 1, 0], min_length=1)
    hour: int = Field(8, ge=0, le=23, description="local hour at which a day's reminders are due")
    escalate_after_days: int = Field(1, ge=0)
    digest_hour: int = Field(7, ge=0, le=23)


class Deadline(Strict):
    key: str
    late: Literal["refuse", "flag"] = "flag"


class Clock(Strict):
    """A time the law counts from a dossier's arrival at a stage, in working days: a `deadline` its actors must
    act by (the 10-day appraisal, Nghị định 98/2023), or a `wait` before they may act (the list made public
    10 working days before the council meets, Nghị định 98/2023 Điều 46). Shown, reminded, checked."""

    working_days: int = Field(ge=1, le=60)
    kind: Literal["deadline", "wait"] = "deadline"
    article: str


Scope = Literal["dossier", "block", "phase"]


class Action(Strict):
    label: str
    to: str
    scope: Scope = Field("dossier", description="what one use of the action moves: the dossier, every dossier of "
                                                "its block waiting at this stage, or the whole phase's")
    status: DossierStatus | None = None
    reason_required: bool = False
    checks: list[str] = []
    notify: list[Notify] = []


class Verdicts(Strict):
    """Per-nomination verdicts at a review stage, and the dossier action each outcome takes. With
    `forward_higher`, one nominee may be proposed to a higher level while the others go on (the action is taken
    when every nominee is), where that action ends the dossier's route here."""

    approve: str
    return_for_revision: str | None = Field(None, description="none on a higher grantor's track: it approves or not")
    reject: str
    forward_higher: str | None = None


class Stage(Strict):
    label: str
    status: DossierStatus
    terminal: bool = False
    council: bool = Field(False, description="a council meets at this stage (the grantor's Hội đồng Thi đua – Khen "
                                             "thưởng): its vote is recorded on the dossier, as the school's is")
    actors: Actors | None = None
    deadline: Deadline | None = None
    clock: Clock | None = None
    escalate: Escalate | None = None
    verdicts: Verdicts | None = None
    actions: dict[str, Action] = {}


class Track(Strict):
    """Where a nomination proposed to a higher grantor goes on: the stage its grantor's review begins at, and
    whom to tell that it has arrived."""

    stage: str
    notify: list[Notify] = []
    at_school: bool = Field(False, description="the school's own grantor (the Hiệu trưởng's Giấy khen for pupils): "
                                               "when the school submits, its nominations for the grantor's titles "
                                               "go to this track at once, voted already, for the grantor to decide")


class Route(Strict):
    name: str
    label: str
    start: str
    roles: dict[str, str] = Field(min_length=1)
    reminders: Reminders = Reminders()
    stages: dict[str, Stage] = Field(min_length=2)
    grantors: dict[str, Track] = Field({}, description="by grantor (a rule set's authority code): where a nomination "
                                                       "forwarded higher for a title that grantor grants goes on")

    def stage(self, name: str) -> Stage:
        return self.stages[name]

    def role_label(self, role: str) -> str:
        return self.roles.get(role, role)

    def submission(self) -> tuple[str, str]:
        """(stage, action) by which a school sends its dossier: the start stage's first action."""
        return self.start, next(iter(self.stages[self.start].actions))

    def path(self, grantor: str | None = None) -> list[str]:
        """The stages a dossier goes through to its decision when all goes well (the school's, or the part
        proposed to `grantor` on its track): from the first stage, each stage's first action that goes on —
        not back to the school, not to a rejection or a proposal higher."""
        path = [self.grantors[grantor].stage if grantor else self.start]
        while not self.stages[path[-1]].terminal:
            onward = [a.to for a in self.stages[path[-1]].actions.values() if a.to not in path and a.to != self.start
                      and self.stages[a.to].status not in (DossierStatus.rejected, DossierStatus.forwarded_higher)]
            if not onward:
                break
            path.append(onward[0])
        return path

    def block_step(self) -> tuple[str, str] | None:
        """(stage, action) where the block leader consolidates and forwards its block, if the route has one."""
        return self._scoped("block")

    def decision_step(self) -> tuple[str, str] | None:
        """(stage, action) that issues the phase's main decision (the route's first), if the route has one."""
        return self._scoped("phase")

    def decision_steps(self) -> list[tuple[str, str]]:
        """Every (stage, action) that issues a decision: the main one, and a higher grantor's on its track."""
        return [(name, action_name) for name, stage in self.stages.items()
                for action_name, action in stage.actions.items() if action.scope == "phase"]

    def decision_step_for(self, role: str) -> tuple[str, str] | None:
        """The decision step whose signer has `role`."""
        return next(((name, action) for name, action in self.decision_steps()
                     if (actors := self.stages[name].actors) is not None and role in actors.roles), None)

    def decision_after(self, stage: str) -> str | None:
        """The nearest decision step's stage a dossier reaches from `stage` (returns to the school aside)."""
        steps = dict(self.decision_steps())
        seen, todo = set(), [stage]
        while todo:
            name = todo.pop(0)
            if name in seen or (name == self.start and name != stage) or name not in self.stages:
                continue
            seen.add(name)
            if name in steps and self.stages[name].actors is not None:
                return name
            todo += [action.to for action in self.stages[name].actions.values()]
        return None

    def deciders_after(self, stage: str) -> dict[str, str]:
        """Who signs the decision a dossier reaches from `stage`: the authority whose titles that decision may
        grant."""
        found = self.decision_after(stage)
        actors = self.stages[found].actors if found else None
        return {role: self.role_label(role) for role in actors.roles} if actors else {}

    def scope(self, stage: str, action: str) -> Scope:
        """What one use of `action` at `stage` moves (a dossier's own action when either is unknown)."""
        found = self.stages[stage].actions.get(action) if stage in self.stages else None
        return found.scope if found is not None else "dossier"

    def deciders(self) -> dict[str, str]:
        """The roles that sign the decision (its step's actors), with their labels: the authority whose titles
        the decision may grant (a rule set's `granted_by` names them by the same codes)."""
        step = self.decision_step()
        actors = self.stages[step[0]].actors if step else None
        return {role: self.role_label(role) for role in actors.roles} if actors else {}

    def review_steps(self, kind: UnitKind) -> set[str]:
        """The stages where an office of `kind` reviews or verifies (a decision's step aside): what its tờ trình
        proposes, and whether it draws one at all."""
        deciding = {name for name, _ in self.decision_steps()}
        return {name for name, stage in self.stages.items() if stage.actors is not None and name not in deciding
                and isinstance(stage.actors.unit, OfficeRef) and stage.actors.unit.kind == kind}

    def onward(self, kind: UnitKind) -> set[str]:
        """The stages a dossier can reach once an office of `kind` has approved it at its step (by the step's
        approving verdict, or its first action), returns to the school aside; none for the decision's step."""
        decision = self.decision_step()
        todo = [stage.actions[stage.verdicts.approve if stage.verdicts else next(iter(stage.actions))].to
                for name, stage in self.stages.items()
                if stage.actions and stage.actors is not None and isinstance(stage.actors.unit, OfficeRef)
                and stage.actors.unit.kind == kind and (decision is None or name != decision[0])]
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name not in seen and name != self.start:
                seen.add(name)
                todo += [action.to for action in self.stages[name].actions.values()]
        return seen

    def track(self, grantors: Sequence[str]) -> tuple[str, Track] | None:
        """The first of a title's grantors above the school whose track the route has, with the track."""
        return next(((code, self.grantors[code]) for code in grantors
                     if code in self.grantors and not self.grantors[code].at_school), None)

    def school_track(self, grantors: Sequence[str]) -> tuple[str, Track] | None:
        """The school's own grantor's track, for a title that only the school grants of the route's deciders (a
        title the route's decision may grant goes up with the dossier even if a school head may grant it too)."""
        if set(grantors) & set(self.deciders()):
            return None
        return next(((code, self.grantors[code]) for code in grantors
                     if code in self.grantors and self.grantors[code].at_school), None)

    def _scoped(self, scope: Scope) -> tuple[str, str] | None:
        return next(((name, action_name) for name, stage in self.stages.items()
                     for action_name, action in stage.actions.items() if action.scope == scope), None)


def _unit_roles(route: Route) -> Iterator[tuple[Sequence[str | int], list[str]]]:
    for name, stage in route.stages.items():
        if stage.actors:
            yield ("stages", name, "actors", "roles"), stage.actors.roles
        if stage.escalate:
            yield ("stages", name, "escalate", "roles"), stage.escalate.roles
        for action_name, action in stage.actions.items():
            for i, notify in enumerate(action.notify):
                yield ("stages", name, "actions", action_name, "notify", i, "roles"), notify.roles


def _reachable_terminals(route: Route) -> set[str]:
    """Stages from which some terminal stage can be reached."""
    good = {name for name, stage in route.stages.items() if stage.terminal}
    changed = True
    while changed:
        changed = False
        for name, stage in route.stages.items():
            if name not in good and any(a.to in good for a in stage.actions.values()):
                good.add(name)
                changed = True
    return good


def check_route(route: Route, checks: Collection[str] | None = None) -> list[tuple[Sequence[str | int], str]]:
    """Semantic checks pydantic cannot express; returns (location, Vietnamese message) pairs. `checks`: the names
    of the registered conditions (tdkt.workflow.checks), when the caller knows them (`tdkt config validate` and
    the engine's start-up do)."""
    problems: list[tuple[Sequence[str | int], str]] = []
    if route.start not in route.stages:
        problems.append((("start",), f"bước bắt đầu '{route.start}' không có trong danh sách bước"))
    for loc, roles in _unit_roles(route):
        problems += [(loc, f"vai trò '{r}' chưa được khai báo trong 'roles'") for r in roles if r not in route.roles]
    for name, stage in route.stages.items():
        base: tuple[str | int, ...] = ("stages", name)
        if stage.terminal and stage.actions:
            problems.append((base + ("actions",), "bước kết thúc không được có hành động"))
        if not stage.terminal and not stage.actions:
            problems.append((base, "bước không kết thúc phải có ít nhất một hành động"))
        if not stage.terminal and stage.actors is None:
            problems.append((base, "bước không kết thúc phải khai báo người thực hiện (actors)"))
        for action_name, action in stage.actions.items():
            loc = base + ("actions", action_name)
            if action.to not in route.stages:
                problems.append((loc + ("to",), f"hành động dẫn tới bước '{action.to}' không tồn tại"))
            problems += [
                (loc + ("checks",), f"điều kiện '{c}' chưa được đăng ký trong tdkt.workflow.checks")
                for c in action.checks
                if checks is not None and c not in checks
            ]
        if stage.verdicts:
            for outcome, action_name in stage.verdicts.model_dump(exclude_none=True).items():
                if action_name not in stage.actions:
                    problems.append(
                        (base + ("verdicts", outcome), f"hành động '{action_name}' không có ở bước này")
                    )
    blocks = [(name, a) for name, stage in route.stages.items() for a, action in stage.actions.items()
              if action.scope == "block"]
    problems += [(("stages", name, "actions", a, "scope"), "chỉ một hành động của tuyến được có scope 'block'")
                 for name, a in blocks[1:]]
    problems += [(("stages", name, "actions", a, "scope"), "mỗi bước chỉ một hành động ra quyết định (scope 'phase')")
                 for name, stage in route.stages.items()
                 for a in [a for a, action in stage.actions.items() if action.scope == "phase"][1:]]
    for code, track in route.grantors.items():
        entry = route.stages.get(track.stage)
        if entry is None or entry.terminal:
            problems.append((("grantors", code, "stage"), f"bước '{track.stage}' không có hoặc là bước kết thúc"))
        for i, notify in enumerate(track.notify):
            problems += [(("grantors", code, "notify", i, "roles"), f"vai trò '{r}' chưa được khai báo trong 'roles'")
                         for r in notify.roles if r not in route.roles]
    problems += [(("stages", name, "actions", a, "scope"), "hành động cả khối chỉ dành cho trường trưởng khối")
                 for name, stage in route.stages.items() for a, action in stage.actions.items()
                 if action.scope == "block" and (stage.actors is None or stage.actors.unit != "block_leader")]
    if not problems:
        good = _reachable_terminals(route)
        problems += [
            (("stages", name), "từ bước này không thể đi tới bước kết thúc nào")
            for name in route.stages
            if name not in good
        ]
    return problems


def load_route(path: Path, checks: Collection[str] | None = None) -> Route:
    """Parse and validate a route file; raises config.yaml_source.ConfigError naming the line. `checks`: the
    registered conditions' names, to refuse a route that names another."""
    return load_model(path, Route, lambda route: check_route(route, checks))


@once
def default_route() -> Route:
    from config.settings import get_settings

    return load_route(get_settings().route_file)
