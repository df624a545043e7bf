"""Domain errors of the contest core: codes and data, never prose (the edges translate)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from quizbank.formats import RowError as BankRowError


class ContestError(Exception):
    """A refused contest operation; ``code`` maps to ``contest.error.<code>`` in i18n."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params
        # Rows to commit although the work is refused (an organiser action's audit row):
        # the edge's turn rolls the work back, then commits these alone.
        self.keep: list[Any] = []

    def __str__(self) -> str:
        extra = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.code}({extra})" if extra else self.code


@dataclass(frozen=True)
class DefinitionIssue:
    """One problem in a competition definition (YAML): where (dotted path), what, details."""

    loc: str
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


class DefinitionRejected(ContestError):
    """A competition definition that cannot be used; ``issues`` lists every problem."""

    def __init__(self, issues: list[DefinitionIssue]) -> None:
        super().__init__("invalid_definition", count=len(issues))
        self.issues = issues


@dataclass(frozen=True, slots=True)
class RowError(BankRowError):
    """One problem in an uploaded roster: the bank's ``RowError`` with roster texts
    (``contest.roster.error.<code>``), so reports read the same for both uploads."""

    catalogue: ClassVar[str] = "contest.roster.error"


class RosterRejected(ContestError):
    """A roster upload with at least one bad row; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("roster_rejected", count=len(errors))
        self.errors = errors


class BankRejected(ContestError):
    """A question-bank import with at least one bad row; nothing was imported."""

    def __init__(self, errors: list[BankRowError]) -> None:
        super().__init__("bank_rejected", count=len(errors))
        self.errors = errors
