"""What the leaderboard picture shows, and how each entry reads (ranks, 并列, scores, ▲▼新).

Plain data, no drawing: ``scheduler.announce`` fills ``BoardPicture`` from the boards, and
``lines`` turns its entries into the texts the picture lays out (``scheduler.picture``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from contest.scoring import percent_of
from i18n import t
from scheduler.drawing import format_score

MAX_INDIVIDUALS = 10  # the podium and seven more: what a phone shows at a readable size


@dataclass(frozen=True)
class PersonEntry:
    """An individual: ``rank`` is shared by ties; ``team`` a short label (一车间·甲班);
    ``moved`` places up since the last announcement (negative: down); ``new`` if not on it."""

    rank: int
    name: str
    score: float
    team: str = ""
    moved: int = 0
    new: bool = False


@dataclass(frozen=True)
class TeamEntry:
    """A team; ``rank`` is None below the minimum participants (listed last, no place)."""

    rank: int | None
    label: str
    score: float
    participants: int = 0
    registered: int = 0
    moved: int = 0
    new: bool = False

    @property
    def participation(self) -> float | None:
        return self.participants / self.registered if self.registered else None


@dataclass(frozen=True)
class BoardPicture:
    """What the picture shows; names are plain text. ``when`` is shown as it is, so pass it
    in the competition's zone; ``precision`` is the decimals of scores (whole ones show none)."""

    title: str
    when: datetime
    individuals: list[PersonEntry] = field(default_factory=list)  # best first
    teams: list[TeamEntry] = field(default_factory=list)  # ranked first
    final: bool = False
    precision: int = 1
    lang: str = "zh"
    top_n: int = MAX_INDIVIDUALS
    # Full marks when a worker's score reads as a percentage of them (score_as: percent);
    # team scores stay in points.
    percent_of: float | None = None


@dataclass(frozen=True)
class Line:
    """One entry as it reads on the picture."""

    rank: str  # "2", or "—" for an unranked team
    medal: int | None  # 1-3 for the medal colours
    tied: bool  # shares its place with another entry (并列)
    name: str
    detail: str  # an individual's team
    score: str
    move: tuple[str, str]  # ("▲2", "up"), ("▼1", "down"), ("新", "new") or ("", "")
    participation: float | None = None
    percent: bool = False  # ``score`` is a percentage ("87.5%"), not points


def _move(moved: int, new: bool, lang: str) -> tuple[str, str]:
    if new:
        return t("scheduler.picture.new", lang), "new"
    if moved > 0:
        return t("scheduler.picture.up", lang, n=moved), "up"
    if moved < 0:
        return t("scheduler.picture.down", lang, n=-moved), "down"
    return "", ""


def _shared(ranks: list[int | None]) -> set[int]:
    return {r for r in ranks if r is not None and ranks.count(r) > 1}


def _score(score: float, board: BoardPicture) -> str:
    share = percent_of(score, board.percent_of)
    if share is None:
        return format_score(score, board.precision)
    return t("scores.percent", board.lang, value=format_score(share, board.precision))


def lines(board: BoardPicture) -> tuple[list[Line], list[Line]]:
    """The individuals (the first ``top_n``, at most 10) and the teams as they read."""
    lang, digits = board.lang, board.precision
    tied_people = _shared([p.rank for p in board.individuals])
    tied_teams = _shared([team.rank for team in board.teams])
    people = [
        Line(
            rank=str(p.rank),
            medal=p.rank if p.rank <= 3 else None,
            tied=p.rank in tied_people,
            name=p.name,
            detail=p.team,
            score=_score(p.score, board),
            move=_move(p.moved, p.new, lang),
            percent=board.percent_of is not None,
        )
        for p in board.individuals[: min(board.top_n, MAX_INDIVIDUALS)]
    ]
    teams = [
        Line(
            rank=t("scheduler.picture.unranked", lang) if team.rank is None else str(team.rank),
            medal=team.rank if team.rank is not None and team.rank <= 3 else None,
            tied=team.rank in tied_teams,
            name=team.label,
            detail="",
            score=format_score(team.score, digits),
            move=_move(team.moved, team.new, lang),
            participation=team.participation,
        )
        for team in board.teams
    ]
    return people, teams
