"""What the leaderboard picture shows, and how each entry reads (ranks, 并列, scores, ▲▼新).

Plain data, no drawing: ``scheduler.announce`` fills ``BoardPicture`` from the boards, and
``lines`` turns its entries into the texts the picture lays out (``scheduler.picture``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from contest.score_text import score_figure
from contest.scoring import ScoreStyle
from i18n import t

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
    in the competition's zone; ``style`` is how scores read: their decimals (whole ones show
    none), and a worker's as a percentage with score_as: percent (a team's stay in points)."""

    title: str
    when: datetime
    individuals: list[PersonEntry] = field(default_factory=list)  # best first
    teams: list[TeamEntry] = field(default_factory=list)  # ranked first
    final: bool = False
    style: ScoreStyle = field(default_factory=ScoreStyle)
    lang: str = "zh"
    top_n: int = MAX_INDIVIDUALS


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


def lines(board: BoardPicture) -> tuple[list[Line], list[Line]]:
    """The individuals (the first ``top_n``, at most 10) and the teams as they read."""
    lang, style = board.lang, board.style
    tied_people = _shared([p.rank for p in board.individuals])
    tied_teams = _shared([team.rank for team in board.teams])
    people = [
        Line(
            rank=str(p.rank),
            medal=p.rank if p.rank <= 3 else None,
            tied=p.rank in tied_people,
            name=p.name,
            detail=p.team,
            score=score_figure(p.score, lang, style),
            move=_move(p.moved, p.new, lang),
            percent=style.percentage(p.score) is not None,
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
            score=style.number(team.score),
            move=_move(team.moved, team.new, lang),
            participation=team.participation,
        )
        for team in board.teams
    ]
    return people, teams
