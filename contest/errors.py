"""Domain errors of the contest core: codes and data, never prose (the edges translate)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ContestError(Exception):
    """A refused contest operation; ``code`` maps to ``contest.error.<code>`` in i18n."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        extra = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.code}({extra})" if extra else self.code


@dataclass(frozen=True)
class DefinitionIssue:
    """One problem in a competition definition (YAML): where (dotted path), what, details."""

    loc: str
    code: str
    message: str


class DefinitionRejected(ContestError):
    """A competition definition that cannot be used; ``issues`` lists every problem."""

    def __init__(self, issues: list[DefinitionIssue]) -> None:
        super().__init__("invalid_definition", count=len(issues))
        self.issues = issues


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded roster (same shape as ``quizbank.formats.RowError``).

    ``row`` is the row number as the spreadsheet shows it (header = 1; 0 for the whole file);
    ``column`` is the header as written, or the Chinese name of a missing column. The text is
    ``contest.roster.error.<code>`` in i18n.
    """

    sheet: str
    row: int
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class RosterRejected(ContestError):
    """A roster upload with at least one bad row; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("roster_rejected", count=len(errors))
        self.errors = errors
