"""Reading an attempt at a position: one Core statement, rows into plain instances.

Every tap reads the attempt, its question at the position and the next, the competition
and the worker's team. The ORM's entity loading (identity map, four entities per row) was
the largest share of the answer path's CPU, so the read is a prebuilt Core select whose rows
become *detached* instances of the same model classes: what the grading, the views and the
writes read from them is the row as stored, and no session tracks them. They are never added
to a session; every write of the answer path is a conditional Core statement
(:mod:`contest.attempts.statements`), so the database stays the one truth.

A bank question never changes under an attempt in a way that matters without its
``content_hash`` (what is shown or graded) or ``updated_at`` changing, so its row is taken
from a per-process cache keyed by id and checked against both on every read: an edited
question is read again at once, on every process.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Text, and_, bindparam, inspect, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import class_mapper
from sqlalchemy.orm.attributes import set_committed_value

from contest.errors import ContestError
from contest.models import Attempt, AttemptQuestion, AttemptStatus, Competition, Worker
from contest.rules import CompetitionRules, rules_of
from quizbank.models import Question
from storage.ids import id_of

_T = TypeVar("_T")
QUESTIONS_KEPT = 20_000  # bank rows kept per process (a national bank has a few thousand)


def _columns(model: Any) -> tuple[tuple[str, ...], list[Any]]:
    attrs = list(inspect(model).column_attrs)
    return tuple(a.key for a in attrs), [a.columns[0] for a in attrs]


_A_KEYS, _A_COLS = _columns(Attempt)
_AQ_KEYS, _AQ_COLS = _columns(AttemptQuestion)
_C_KEYS, _C_COLS = _columns(Competition)
_Q_KEYS, _Q_COLS = _columns(Question)
_A, _AQ = Attempt.__table__, AttemptQuestion.__table__  # type: ignore[attr-defined]
_C, _Q = Competition.__table__, Question.__table__  # type: ignore[attr-defined]
_W = Worker.__table__  # type: ignore[attr-defined]

# Row layout: attempt | attempt question | question id, hash, updated | competition | team.
_NA, _NAQ, _NC = len(_A_KEYS), len(_AQ_KEYS), len(_C_KEYS)
_AQ_AT = _NA
_Q_AT = _AQ_AT + _NAQ
_C_AT = _Q_AT + 3
_TEAM_AT = _C_AT + _NC


def _load(position_clause: Any, where: Any) -> Any:
    question = (_Q.c.id, _Q.c.content_hash, _Q.c.updated_at)
    joined = (
        _A.outerjoin(_AQ, and_(_AQ.c.attempt_id == _A.c.id, position_clause))
        .outerjoin(_Q, _Q.c.id == _AQ.c.question_id)
        .outerjoin(_C, _C.c.id == _A.c.competition_id)
        .outerjoin(_W, _W.c.id == _A.c.worker_id)
    )
    competition = [type_coerce(c, Text) if c is _C.c.rules else c for c in _C_COLS]
    columns = [*_A_COLS, *_AQ_COLS, *question, *competition, _W.c.team_id]
    return select(*columns).select_from(joined).where(where)


LOAD_POSITION = _load(
    _AQ.c.position.between(bindparam("position"), bindparam("following")),
    _A.c.id == bindparam("attempt_id"),
)
LOAD_OPEN = _load(
    _AQ.c.position.in_([_A.c.current_position, _A.c.current_position + 1]),
    and_(_A.c.worker_id == bindparam("worker_id"), _A.c.status == AttemptStatus.ACTIVE.value),
)
REREAD_ATTEMPT = select(*_A_COLS).where(_A.c.id == bindparam("attempt_id"))
LOAD_QUESTIONS = select(*_Q_COLS).where(_Q.c.id.in_(bindparam("ids", expanding=True)))


def detached(model: type[_T], keys: Sequence[str], values: Iterable[Any]) -> _T:
    """An instance of ``model`` holding ``values`` as loaded, tracked by no session."""
    obj: _T = class_mapper(model).class_manager.new_instance()
    obj.__dict__.update(zip(keys, values, strict=True))
    return obj


async def reread_attempt(session: AsyncSession, attempt: Attempt) -> None:
    """``attempt`` (tracked by the session or not) as stored now."""
    row = (await session.execute(REREAD_ATTEMPT, {"attempt_id": attempt.id})).one()
    for key, value in zip(_A_KEYS, row, strict=True):
        set_committed_value(attempt, key, value)


# --- competition rules, per process --------------------------------------------------------

_RULES: dict[int, tuple[str, dict[str, Any], CompetitionRules]] = {}
_RULES_KEPT = 1024


def _rules(competition: Competition) -> CompetitionRules:
    """The competition's rules, parsed once per stored text: the read selects the JSON as
    its text, so a tap compares one string instead of parsing and comparing the dict. The
    instance gets the parsed dictionary (shared: treat it as read-only)."""
    raw: Any = competition.rules
    if not isinstance(raw, str):  # a driver that decodes JSON itself: the usual path
        return rules_of(competition)
    key = id_of(competition)
    hit = _RULES.get(key)
    if hit is None or hit[0] != raw:
        data = json.loads(raw)
        competition.__dict__["rules"] = data
        if len(_RULES) >= _RULES_KEPT:
            _RULES.clear()
        hit = (raw, data, rules_of(competition))
        _RULES[key] = hit
    competition.__dict__["rules"] = hit[1]
    return hit[2]


# --- the bank's questions, per process -----------------------------------------------------

_QUESTIONS: OrderedDict[int, tuple[str, datetime, Question]] = OrderedDict()


def _cached(question_id: int, content_hash: str, updated_at: datetime) -> Question | None:
    hit = _QUESTIONS.get(question_id)
    if hit is None or hit[0] != content_hash or hit[1] != updated_at:
        return None
    _QUESTIONS.move_to_end(question_id)
    return hit[2]


async def _questions(
    session: AsyncSession, wanted: Mapping[int, tuple[str, datetime]]
) -> dict[int, Question]:
    """The bank questions ``wanted`` (id → hash, updated_at), from the cache when current."""
    found: dict[int, Question] = {}
    missing = []
    for question_id, (content_hash, updated_at) in wanted.items():
        hit = _cached(question_id, content_hash, updated_at)
        if hit is None:
            missing.append(question_id)
        else:
            found[question_id] = hit
    if missing:
        rows = (await session.execute(LOAD_QUESTIONS, {"ids": missing})).all()
        for row in rows:
            question = detached(Question, _Q_KEYS, row)
            found[row.id] = question
            _QUESTIONS[row.id] = (question.content_hash, question.updated_at, question)
            _QUESTIONS.move_to_end(row.id)
        while len(_QUESTIONS) > QUESTIONS_KEPT:
            _QUESTIONS.popitem(last=False)
    return found


def forget_questions() -> None:
    """Empty the per-process question cache (tests)."""
    _QUESTIONS.clear()


# --- positions -----------------------------------------------------------------------------


@dataclass
class Position:
    """An attempt at one position, read in one round trip: the question there and the next.

    ``team_id`` is the worker's team as stored now (what their standing is filed under).
    """

    attempt: Attempt
    competition: Competition | None
    rules: CompetitionRules | None
    current: AttemptQuestion | None
    question: Question | None
    following: AttemptQuestion | None
    following_question: Question | None
    team_id: int | None = None


async def load_position(
    session: AsyncSession, *, worker_id: int, attempt_id: int, position: int
) -> Position:
    """The attempt, its question at ``position`` and at ``position + 1``, its competition.

    Refuses an attempt that does not exist (``attempt_not_found``) or belongs to someone
    else (``not_your_attempt``), so a forged button changes nothing.
    """
    params = {"attempt_id": attempt_id, "position": position, "following": position + 1}
    found = await _position(session, LOAD_POSITION, params, position)
    if found is None:
        raise ContestError("attempt_not_found")
    if found.attempt.worker_id != worker_id:
        raise ContestError("not_your_attempt")
    return found


async def load_open(session: AsyncSession, *, worker_id: int) -> Position | None:
    """The worker's active attempt at its current question (and the next), in one read.

    No deadline is applied here: a text that arrives late is a late answer to the question
    it was written for, not an answer to the one after it.
    """
    return await _position(session, LOAD_OPEN, {"worker_id": worker_id}, None)


async def _position(
    session: AsyncSession, statement: Any, params: dict[str, Any], position: int | None
) -> Position | None:
    rows = (await session.execute(statement, params)).all()
    if not rows:
        return None
    first = rows[0]
    attempt = detached(Attempt, _A_KEYS, first[:_AQ_AT])
    competition, rules = None, None
    if first[_C_AT] is not None:
        competition = detached(Competition, _C_KEYS, first[_C_AT:_TEAM_AT])
        rules = _rules(competition)
    at = attempt.current_position if position is None else position
    with_question = [row for row in rows if row[_AQ_AT] is not None and row[_Q_AT] is not None]
    questions = await _questions(
        session, {row[_Q_AT]: (row[_Q_AT + 1], row[_Q_AT + 2]) for row in with_question}
    )
    by_position: dict[int, tuple[AttemptQuestion, Question]] = {}
    for row in with_question:
        question = questions.get(row[_Q_AT])
        if question is not None:  # deleted between the two reads: as if it had no question
            aq = detached(AttemptQuestion, _AQ_KEYS, row[_AQ_AT:_Q_AT])
            by_position[aq.position] = (aq, question)
    current, question = by_position.get(at, (None, None))
    following, following_question = by_position.get(at + 1, (None, None))
    return Position(
        attempt=attempt,
        competition=competition,
        rules=rules,
        current=current,
        question=question,
        following=following,
        following_question=following_question,
        team_id=first[_TEAM_AT],
    )
