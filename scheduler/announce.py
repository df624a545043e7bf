"""Leaderboard announcements (排行榜播报): HTML text with movement, and the PNG picture.

Movement (↑2, ↓1, 新) compares with the ranks stored by the previous announcement of the
same competition (``AnnouncedRank``); the new ranks are stored in the same transaction that
queues the messages, so a run that did not happen leaves the previous ranks in place.
Each bound chat gets two outbox rows, the picture and then the text, so a picture that
fails (or a font that is missing) never holds back the text.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.attempts import expire_overdue
from contest.final import settle
from contest.models import Competition
from contest.outbox import enqueue
from contest.papers import score_style
from contest.ranking import IndividualRow, TeamRow, team_board, top_individuals
from contest.robots import bound_targets, dedup_suffix
from contest.rules import load_rules, rules_of
from contest.score_text import rank_text, score_text
from contest.scoring import ScoreStyle
from contest.tree import load_tree
from contest.web_access import roster_login_enabled
from i18n import t
from scheduler.context import Apply, JobContext, local_time, run_stamp
from scheduler.jobs import Job, JobKind
from scheduler.join_links import how_to_join
from scheduler.models import AnnouncedRank
from scheduler.picture import BoardPicture, PersonEntry, TeamEntry, render_png

logger = logging.getLogger(__name__)

RANK_MEMORY = 500  # individuals whose rank is remembered for movement; below that shows 新
TEXT_LIMIT = 4096
INDIVIDUAL, TEAM = "individual", "team"


@dataclass(frozen=True)
class Board:
    individuals: list[IndividualRow]
    teams: list[TeamRow]
    team_labels: dict[int, str] = field(default_factory=dict)  # shortest unique paths
    style: ScoreStyle = field(default_factory=ScoreStyle)  # precision, percentages
    by_time: bool = True  # equal scores ordered by time (else they share the place)


async def load_board(session: AsyncSession, *, competition_id: int) -> Board:
    individuals = await top_individuals(session, competition_id=competition_id, limit=RANK_MEMORY)
    teams = await team_board(session, competition_id=competition_id)
    team_ids = {row.team_id for row in teams}
    team_ids |= {row.team_id for row in individuals if row.team_id is not None}
    labels = (await load_tree(session)).short_labels(team_ids)
    competition = await session.get(Competition, competition_id)
    style, by_time = ScoreStyle(), True
    if competition is not None:
        style = await score_style(session, competition=competition)
        by_time = rules_of(competition).ties.by_time
    return Board(individuals, teams, labels, style, by_time)


async def previous_ranks(
    session: AsyncSession, *, competition_id: int
) -> dict[tuple[str, int], int]:
    rows = await session.execute(
        select(AnnouncedRank).where(col(AnnouncedRank.competition_id) == competition_id)
    )
    return {(r.board, r.entity_id): r.rank for r in rows.scalars()}


async def save_ranks(
    session: AsyncSession, *, competition_id: int, board: Board, when: datetime
) -> None:
    """Replace the remembered ranks with this announcement's (flushes, does not commit)."""
    await session.execute(
        delete(AnnouncedRank).where(col(AnnouncedRank.competition_id) == competition_id)
    )
    rows = [(INDIVIDUAL, r.worker_id, r.rank) for r in board.individuals]
    rows += [(TEAM, r.team_id, r.rank) for r in board.teams if r.rank is not None]
    session.add_all(
        AnnouncedRank(
            competition_id=competition_id,
            board=kind,
            entity_id=entity,
            rank=rank,
            announced_at=when,
        )
        for kind, entity, rank in rows
    )
    await session.flush()


def movement(previous: int | None, rank: int | None, lang: str) -> str:
    """↑n / ↓n against the last announcement, 新 for a newcomer, nothing when unchanged."""
    if rank is None:
        return ""
    if previous is None:
        return t("scheduler.announce.new", lang)
    if previous > rank:
        return t("scheduler.announce.up", lang, n=previous - rank)
    if previous < rank:
        return t("scheduler.announce.down", lang, n=rank - previous)
    return ""


def remaining(competition: Competition, when: datetime, lang: str) -> str:
    if when < competition.starts_at:
        return t(
            "scheduler.remaining.not_started",
            lang,
            time=local_time(competition.starts_at, competition.timezone),
        )
    left = competition.ends_at - when
    if left.total_seconds() <= 0:
        return t("scheduler.remaining.ended", lang)
    hours, rest = divmod(int(left.total_seconds()), 3600)
    if hours >= 24:
        return t("scheduler.remaining.days", lang, days=hours // 24, hours=hours % 24)
    return t("scheduler.remaining.hours", lang, hours=hours, minutes=rest // 60)


def announcement_text(
    competition: Competition,
    board: Board,
    previous: dict[tuple[str, int], int],
    *,
    when: datetime,
    final: bool,
    top_n: int,
    lang: str,
    join: bool = True,
) -> str:
    """The HTML announcement; every name from users is escaped. ``join`` ends a running
    competition's with how to take part (a Telegram group gets a button instead)."""
    name = html.escape(competition.name)
    title = "final_title" if final else "title"
    lines = [
        t(f"scheduler.announce.{title}", lang, name=name),
        t("scheduler.announce.at", lang, time=local_time(when, competition.timezone)),
        remaining(competition, when, lang),
        "",
    ]
    if not board.individuals and not board.teams:
        lines.append(t("scheduler.announce.nobody", lang))
    if board.individuals:
        lines.append(
            t("scheduler.announce.individuals", lang, n=min(top_n, len(board.individuals)))
        )
        lines += [_individual_line(row, board, previous, lang) for row in board.individuals[:top_n]]
        lines.append("")
    if board.teams:
        lines.append(t("scheduler.announce.teams", lang))
        lines += [_team_line(row, board, previous, lang) for row in board.teams[:top_n]]
        lines += idle_line(board.teams[top_n:], board.team_labels, lang)
        lines.append("")
    if board.individuals:
        lines.append(t(f"scheduler.announce.tie_rule_{'time' if board.by_time else 'equal'}", lang))
    if not final and join:
        lines.append(t("scheduler.announce.join", lang))
    return _fit("\n".join(lines).strip())


def _team_label(row: IndividualRow, board: Board) -> str:
    """An individual's team by its shortest unique path (一车间·甲班), never just 甲班."""
    if row.team_id is None:
        return ""
    return row.team_label or board.team_labels.get(row.team_id) or row.team_name or ""


def _individual_line(
    row: IndividualRow, board: Board, previous: dict[tuple[str, int], int], lang: str
) -> str:
    label = _team_label(row, board)
    team = f"（{html.escape(label)}）" if label else ""
    move = movement(previous.get((INDIVIDUAL, row.worker_id)), row.rank, lang)
    return t(
        "scheduler.announce.individual_line",
        lang,
        rank=rank_text(row.rank, row.tied, lang),
        name=html.escape(row.name),
        team=team,
        score=score_text(row.score, lang, board.style),
        move=move,
    ).rstrip()


def _team_line(row: TeamRow, board: Board, previous: dict[tuple[str, int], int], lang: str) -> str:
    if row.rank is None:
        rank = t("scheduler.announce.unranked", lang)
    else:
        rank = rank_text(row.rank, row.tied, lang)
    move = movement(previous.get((TEAM, row.team_id)), row.rank, lang)
    return t(
        "season.board.team_line" if row.participants else "season.board.team_line_idle",
        lang,
        rank=rank,
        name=html.escape(row.label or board.team_labels.get(row.team_id, row.name)),
        score=score_text(row.score, lang, ScoreStyle(precision=board.style.precision)),
        participants=row.participants,
        registered=row.registered,
        move=move,
    ).rstrip()


def idle_line(rest: list[TeamRow], labels: dict[int, str], lang: str) -> list[str]:
    """One line naming the teams past the shown ones that nobody has taken part for yet:
    a board that cuts at the top N still shows who is missing."""
    idle = [html.escape(row.label or labels.get(row.team_id, row.name)) for row in rest]
    names = "、".join(name for name, row in zip(idle, rest, strict=True) if not row.participants)
    return [t("season.board.idle_more", lang, names=names)] if names else []


def _fit(text: str) -> str:
    """Telegram refuses texts over 4096 characters: drop whole lines from the end."""
    while len(text) > TEXT_LIMIT:
        text = text.rsplit("\n", 1)[0]
    return text


def _moved(
    previous: dict[tuple[str, int], int], key: tuple[str, int], rank: int | None
) -> tuple[int, bool]:
    """(places up, new) since the last announcement; nothing on the first one, where every
    row would read 新."""
    if rank is None or not previous:
        return 0, False
    before = previous.get(key)
    return (0, True) if before is None else (before - rank, False)


def _person(row: IndividualRow, board: Board, previous: dict[tuple[str, int], int]) -> PersonEntry:
    moved, new = _moved(previous, (INDIVIDUAL, row.worker_id), row.rank)
    team = row.team_label or (
        board.team_labels.get(row.team_id, row.team_name or "") if row.team_id else ""
    )
    return PersonEntry(row.rank, row.name, row.score, team, moved=moved, new=new)


def _team(row: TeamRow, board: Board, previous: dict[tuple[str, int], int]) -> TeamEntry:
    moved, new = _moved(previous, (TEAM, row.team_id), row.rank)
    label = row.label or board.team_labels.get(row.team_id, row.name)
    return TeamEntry(
        row.rank, label, row.score, row.participants, row.registered, moved=moved, new=new
    )


def board_picture(
    competition: Competition,
    board: Board,
    previous: dict[tuple[str, int], int],
    *,
    when: datetime,
    final: bool,
    top_n: int,
    lang: str,
) -> BoardPicture:
    """The picture's data: the date in the competition's zone, teams (ranked, then the
    unranked) by their shortest unique path, movement against ``previous``."""
    return BoardPicture(
        title=competition.name,
        when=when.astimezone(ZoneInfo(competition.timezone)),
        individuals=[_person(row, board, previous) for row in board.individuals],
        teams=[_team(row, board, previous) for row in board.teams],
        final=final,
        style=board.style,
        lang=lang,
        top_n=top_n,
    )


async def render_or_none(picture: BoardPicture) -> bytes | None:
    """The PNG, or None when drawing fails: the text goes without it."""
    try:
        return await render_png(picture)
    except Exception:
        logger.exception("leaderboard picture failed; sending the text alone")
        return None


@dataclass(frozen=True)
class Rendered:
    """One language's announcement: the text, and the picture with its caption (or None)."""

    text: str  # without how to take part: a button under it, or the line below
    png: bytes | None
    caption: str
    join: str | None  # how to take part (scheduler.join_links says it per channel); None
    # on the final board


async def _render(
    competition: Competition,
    board: Board,
    previous: dict[tuple[str, int], int],
    *,
    when: datetime,
    final: bool,
    top_n: int,
    lang: str,
) -> Rendered:
    text = announcement_text(
        competition, board, previous, when=when, final=final, top_n=top_n, lang=lang, join=False
    )
    picture = board_picture(
        competition, board, previous, when=when, final=final, top_n=top_n, lang=lang
    )
    png = await render_or_none(picture)
    caption = t(
        "scheduler.announce.picture_caption",
        lang,
        name=html.escape(competition.name),
        time=local_time(when, competition.timezone),
    )
    join = None if final else t("scheduler.announce.join", lang)
    return Rendered(text, png, caption, join)


async def prepare_announcement(ctx: JobContext, job: Job, when: datetime) -> Apply | None:
    """Read the boards and draw the picture once per language the bound chats read; the
    returned ``Apply`` queues one photo and one text per bound chat and remembers the ranks."""
    final = job.kind is JobKind.FINAL
    async with ctx.session_factory.begin() as session:  # a final board settles the teams first
        competition = await session.get(Competition, job.competition_id)
        if competition is None:
            return None
        competition_id = competition.id
        assert competition_id is not None
        if final:  # the last answers and expiries are in the team standings first
            await expire_overdue(session, clock=ctx.clock)
            await settle(session, competition_id=competition_id, clock=ctx.clock)
        top_n = load_rules(competition.rules).announce.top_n
        board = await load_board(session, competition_id=competition_id)
        previous = await previous_ranks(session, competition_id=competition_id)
        # Telegram groups and group robots (WeCom, DingTalk, Feishu) alike.
        chats = await bound_targets(session, competition_id=competition_id)
    rendered = {
        lang: await _render(
            competition, board, previous, when=when, final=final, top_n=top_n, lang=lang
        )
        for lang in sorted({target.language for target in chats})
    }
    prefix = f"{job.key}:{run_stamp(when)}"

    async def apply(session: AsyncSession) -> str:
        roster = await roster_login_enabled(session, competition_id=competition_id)
        for target in chats:
            out, where = rendered[target.language], dedup_suffix(target)
            if out.png is not None:
                await enqueue(
                    session,
                    dedup_key=f"{prefix}:{where}:photo",
                    chat_id=target.chat_id,
                    channel=target.channel,
                    text=out.caption,
                    kind="photo",
                    payload=out.png,
                    filename="leaderboard.png",
                    clock=ctx.clock,
                )
            text, buttons = out.text, None
            if out.join is not None:
                line, buttons = how_to_join(
                    ctx.settings,
                    channel=target.channel,
                    competition_id=competition_id,
                    lang=target.language,
                    roster=roster,
                )
                text = _fit(f"{text}\n{line}") if line else text
            await enqueue(
                session,
                dedup_key=f"{prefix}:{where}:text",
                chat_id=target.chat_id,
                channel=target.channel,
                text=text,
                clock=ctx.clock,
                buttons=buttons,
            )
        await save_ranks(session, competition_id=competition_id, board=board, when=when)
        return f"queued:{len(chats)}"

    return apply
