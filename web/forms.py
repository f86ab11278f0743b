"""The forms of a link's pages as models: each field typed and named once, read from the CSRF-checked form.

A form that does not fit its model is refused in Vietnamese (Refused, shown on the message page); the dates go
through the one date parser, so a day that does not exist names itself."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.vote import MINUTES_LABELS, Minutes
from tdkt.common.errors import Refused
from tdkt.common.timefmt import parse_date, parse_time
from tdkt.workflow.engine import VERDICT_STATUS, Verdict


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @classmethod
    def _by_prefix(cls, form: dict[str, Any], prefix: str) -> dict[str, str]:
        return {key.removeprefix(prefix): str(value) for key, value in form.items() if key.startswith(prefix)}


def _day(value: object) -> date | None:
    text = str(value or "").strip()
    return parse_date(text) if text else None  # Refused names the text that is no day


class ActionForm(_Form):
    """A reviewer's choice: one action for the whole dossier, or a verdict (and reason) per nomination."""

    action: str | None = None
    reason: str | None = None
    number: str | None = None  # a decision's number, when the signer gives one
    confirmed: bool = False  # the confirmation page's button: what cannot be undone is asked once more first
    verdicts: dict[int, str] = Field(default_factory=dict)  # nomination id → verdict_<id>
    reasons: dict[int, str] = Field(default_factory=dict)  # nomination id → reason_<id>

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, form: dict[str, Any]) -> dict[str, Any]:
        per = {key: {int(k): v for k, v in cls._by_prefix(form, f"{key}_").items() if k.isascii() and k.isdigit()}
               for key in ("verdict", "reason")}
        return {**form, "verdicts": per["verdict"], "reasons": per["reason"], "confirmed": form.get("confirm") == "1"}

    @field_validator("action", "reason", "number", mode="after")
    @classmethod
    def _none_if_empty(cls, value: str | None) -> str | None:
        return value or None

    def verdicts_for(self, nomination_ids: list[int]) -> dict[int, Verdict]:
        """A verdict for each of these nominations, or Refused when one has none (or one that is no verdict)."""
        chosen: dict[int, Verdict] = {}
        for nid in nomination_ids:
            verdict = self.verdicts.get(nid, "")
            if verdict not in VERDICT_STATUS:
                raise Refused("verdict_missing", "Hãy chọn ý kiến cho từng người trong danh sách.")
            chosen[nid] = Verdict(verdict, self.reasons.get(nid, "").strip() or None)  # type: ignore[arg-type]
        return chosen


class NomineeForm(_Form):
    """One nominee typed in by the school."""

    full_name: str = ""
    kind: Literal["individual", "collective"] = "individual"
    title: str = ""
    position: str | None = None
    achievements: str = ""
    initiative: str = ""
    birth_date: date | None = None
    recruited_on: date | None = None
    identity_code: str | None = None
    disciplined: bool = False
    sex: Literal["male", "female"] | None = None
    direct_teaching: bool | None = None
    figures: dict[str, str] = Field(default_factory=dict)  # a collective's members, figure_<key>

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, form: dict[str, Any]) -> dict[str, Any]:
        return {**form, "kind": "collective" if form.get("kind") == "collective" else "individual",
                "disciplined": form.get("disciplined") == "1", "figures": cls._by_prefix(form, "figure_"),
                "birth_date": _day(form.get("birth_date")), "recruited_on": _day(form.get("recruited_on")),
                "sex": form.get("sex") or None, "direct_teaching": {"1": True, "0": False}.get(
                    str(form.get("direct_teaching", "")))}

    @field_validator("position", "identity_code", mode="after")
    @classmethod
    def _none_if_empty(cls, value: str | None) -> str | None:
        return value or None


class EditForm(_Form):
    """A nomination's corrections: position, achievements, initiative, discipline."""

    position: str | None = None
    achievements: str = ""
    initiative: str | None = None
    disciplined: bool = False

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, form: dict[str, Any]) -> dict[str, Any]:
        return {**form, "disciplined": form.get("disciplined") == "1"}


class FiguresForm(_Form):
    """A collective's figures of its members, figure_<key>."""

    figures: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, form: dict[str, Any]) -> dict[str, Any]:
        return {"figures": cls._by_prefix(form, "figure_")}


class VoteForm(_Form):
    """The council's vote: its meeting, its members, and for/against per nomination."""

    held_on: date
    members: int
    present: int
    tallies: dict[int, tuple[int, int]]  # nomination id → (for, against)
    secret_ballot: bool
    minutes: Minutes

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, form: dict[str, Any]) -> dict[str, Any]:
        against = cls._by_prefix(form, "against_")
        return {**form, "held_on": parse_date(str(form.get("held_on", ""))),
                "tallies": {k: (v, against.get(k)) for k, v in cls._by_prefix(form, "for_").items()},
                "secret_ballot": form.get("ballot") != "open",
                "minutes": Minutes(starts_at=parse_time(str(form.get("starts_at", ""))),
                                   **{name: str(form.get(name, "")) for name in MINUTES_LABELS})}


BAD_VOTE = "Hãy nhập ngày họp (dd/mm/yyyy) và các số phiếu bằng chữ số."


F = TypeVar("F", bound=_Form)


def read(model: type[F], form: dict[str, Any], *, code: str = "bad_form",
         refusal: str = "Biểu mẫu chưa hợp lệ: hãy xem lại các ô đã nhập.") -> F:
    """The form as `model`, or Refused with `refusal` (a field that is no number, say)."""
    try:
        return model.model_validate(form)
    except ValidationError as exc:
        raise Refused(code, refusal) from exc
