"""Refusals: what a user asked for cannot be done; the message is Vietnamese, the code for programs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    nomination_id: int | None = None


class Refused(Exception):
    """A request refused with nothing written (the caller's transaction rolls back)."""

    def __init__(self, code: str, message: str, violations: list[Violation] | None = None) -> None:
        self.code = code
        self.message = message
        self.violations = violations or []
        super().__init__(message)


class TransitionRefused(Refused):
    """An action the route does not allow now."""
