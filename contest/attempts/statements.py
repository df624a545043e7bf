"""The answer path's statements, built once and executed with parameters.

A crowd runs them thousands of times a minute, and building them anew was a large share of
its CPU. :mod:`contest.attempts.state` executes them.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, bindparam, update

from contest.models import AnswerStatus, Attempt, AttemptQuestion, AttemptStatus
from contest.quizview import TIMEOUT

AQ = AttemptQuestion.__table__  # type: ignore[attr-defined]
ATTEMPT = Attempt.__table__  # type: ignore[attr-defined]

RECORD = (
    update(AQ)
    .where(AQ.c.id == bindparam("b_id"), AQ.c.status == AnswerStatus.PENDING.value)
    .values(
        answered_at=bindparam("b_answered_at"),
        response=bindparam("b_response", type_=AQ.c.response.type),
        elapsed_ms=bindparam("b_elapsed_ms"),
        status=bindparam("b_status"),
        correct=bindparam("b_correct"),
        credit=bindparam("b_credit"),
        score=bindparam("b_score"),
    )
)
TOTALS = (
    update(ATTEMPT)
    .where(ATTEMPT.c.id == bindparam("b_id"))
    .values(
        current_position=bindparam("b_position"),
        score=ATTEMPT.c.score + bindparam("b_score", type_=Float),
        correct_count=ATTEMPT.c.correct_count + bindparam("b_correct", type_=Integer),
        time_used_ms=ATTEMPT.c.time_used_ms + bindparam("b_elapsed", type_=Integer),
    )
    .returning(
        ATTEMPT.c.current_position,
        ATTEMPT.c.score,
        ATTEMPT.c.correct_count,
        ATTEMPT.c.time_used_ms,
        ATTEMPT.c.message_id,
    )
)
TOTALS_TYPED = TOTALS.values(message_id=bindparam("b_message_id"))  # a typed answer's text
START_CLOCK = (
    update(AQ)
    .where(AQ.c.id == bindparam("b_id"), AQ.c.presented_at.is_(None))
    .values(presented_at=bindparam("b_at"), deadline_at=bindparam("b_deadline"))
)
MOVE_CLOCK = (
    update(AQ)
    .where(
        AQ.c.attempt_id == bindparam("b_attempt"),
        AQ.c.position == bindparam("b_position"),
        AQ.c.status == AnswerStatus.PENDING.value,
        AQ.c.presented_at == bindparam("b_provisional"),
    )
    .values(presented_at=bindparam("b_at"), deadline_at=bindparam("b_deadline"))
)
TIME_OUT_PENDING = (  # the attempt ends: what was never answered is a timeout
    update(AQ)
    .where(AQ.c.attempt_id == bindparam("b_attempt"), AQ.c.status == AnswerStatus.PENDING.value)
    .values(TIMEOUT.columns())
)
CLOSE = (  # only an active attempt closes, once
    update(ATTEMPT)
    .where(ATTEMPT.c.id == bindparam("b_id"), ATTEMPT.c.status == AttemptStatus.ACTIVE.value)
    .values(
        status=bindparam("b_status"),
        finished_at=bindparam("b_at"),
        current_position=bindparam("b_position"),
    )
)
