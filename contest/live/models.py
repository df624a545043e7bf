"""Tables of the live final (现场决赛): the final, its teams and players, segments, questions,
buzzes, events (every ruling and score change) and the audience's answers.

The database holds the fairness invariants: a team has at most one buzz per question (a
double tap, a replayed request or a false start followed by a press count once), and the
question's ``first_buzz_id`` is set by a conditional update that only an earlier receipt
time can overwrite, so whichever request a busy server handles first, the earliest press wins.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class FinalStatus(StrEnum):
    SETUP = "setup"
    RUNNING = "running"
    FINISHED = "finished"


class SegmentKind(StrEnum):
    """必答题 / 抢答题 / 风险题 / 加赛 / 观众题."""

    COMPULSORY = "compulsory"
    BUZZER = "buzzer"
    RISK = "risk"
    TIEBREAK = "tiebreak"
    AUDIENCE = "audience"


class Phase(StrEnum):
    """Where a question is: waiting, a risk value being picked, shown, 开始 pressed (buzzers
    armed), a team answering, open to the audience, done."""

    PENDING = "pending"
    PICKING = "picking"
    SHOWN = "shown"
    ARMED = "armed"
    ANSWERING = "answering"
    AUDIENCE = "audience"
    DONE = "done"


class LiveFinal(SQLModel, table=True):
    __tablename__ = "live_final"

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    status: FinalStatus = Field(default=FinalStatus.SETUP, sa_type=String(16))
    buzzer: str = Field(default="team", max_length=8, description="team: one link per team")
    segment_position: int = Field(default=0, description="the current segment (0 = none yet)")
    question_id: int | None = Field(default=None, description="the live_question on stage")
    paused: bool = False
    version: int = Field(default=0, description="bumped by every host action (the stage's cue)")
    seed: int = 0
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LiveTeam(SQLModel, table=True):
    __tablename__ = "live_team"
    __table_args__ = (UniqueConstraint("final_id", "seat", name="uq_live_team_seat"),)

    id: int | None = Field(default=None, primary_key=True)
    final_id: int = Field(foreign_key="live_final.id", index=True, ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    name: str = Field(max_length=100)
    seat: int = Field(description="drawn by lot, 1-based")
    start_score: int = 100
    score: int = 100


class LivePlayer(SQLModel, table=True):
    __tablename__ = "live_player"
    __table_args__ = (UniqueConstraint("final_id", "worker_id", name="uq_live_player"),)

    id: int | None = Field(default=None, primary_key=True)
    final_id: int = Field(foreign_key="live_final.id", ondelete="CASCADE")
    team_id: int = Field(foreign_key="live_team.id", index=True, ondelete="CASCADE")
    worker_id: int = Field(foreign_key="worker.id", ondelete="CASCADE")


class LiveSegment(SQLModel, table=True):
    __tablename__ = "live_segment"
    __table_args__ = (UniqueConstraint("final_id", "position", name="uq_live_segment"),)

    id: int | None = Field(default=None, primary_key=True)
    final_id: int = Field(foreign_key="live_final.id", ondelete="CASCADE")
    position: int
    kind: SegmentKind = Field(sa_type=String(16))
    title: str = Field(default="", max_length=100)
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False),
        description="加赛: the teams in and out",
    )


class LiveQuestion(SQLModel, table=True):
    __tablename__ = "live_question"
    __table_args__ = (UniqueConstraint("segment_id", "position", name="uq_live_question"),)

    id: int | None = Field(default=None, primary_key=True)
    final_id: int = Field(foreign_key="live_final.id", index=True, ondelete="CASCADE")
    segment_id: int = Field(foreign_key="live_segment.id", ondelete="CASCADE")
    position: int
    question_id: int = Field(foreign_key="question.id")
    phase: Phase = Field(default=Phase.PENDING, sa_type=String(16))
    team_id: int | None = Field(default=None, description="必答/风险: the team in turn")
    value: int | None = Field(default=None, description="风险: the value picked")
    shown_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    armed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answer_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_buzz_id: int | None = None
    first_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    wrong: int = 0
    outcome: str | None = Field(default=None, max_length=16)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LiveBuzz(SQLModel, table=True):
    """One team's press on one question (抢答), with the server's receipt time."""

    __tablename__ = "live_buzz"
    __table_args__ = (UniqueConstraint("question_id", "team_id", name="uq_live_buzz_team"),)

    id: int | None = Field(default=None, primary_key=True)
    final_id: int = Field(foreign_key="live_final.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="live_question.id", ondelete="CASCADE")
    team_id: int = Field(foreign_key="live_team.id", ondelete="CASCADE")
    worker_id: int | None = Field(default=None, foreign_key="worker.id", ondelete="SET NULL")
    via: str = Field(default="web", max_length=16)
    received_at: datetime = Field(sa_type=UTCDateTime)
    false_start: bool = False
    ruling: str | None = Field(default=None, max_length=8)


class LiveEvent(SQLModel, table=True):
    """The record of the final: each show, 开始, ruling, score change, adjustment, undo."""

    __tablename__ = "live_event"

    id: int | None = Field(default=None, primary_key=True)
    final_id: int = Field(foreign_key="live_final.id", index=True, ondelete="CASCADE")
    question_id: int | None = None
    team_id: int | None = None
    kind: str = Field(max_length=16)
    delta: int = 0
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    actor_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    at: datetime = Field(sa_type=UTCDateTime)
    undone: bool = False


class AudienceAnswer(SQLModel, table=True):
    """An answer from the hall (观众题), one per phone per question."""

    __tablename__ = "live_audience_answer"
    __table_args__ = (UniqueConstraint("question_id", "voter", name="uq_live_audience_voter"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="live_question.id", index=True, ondelete="CASCADE")
    voter: str = Field(max_length=32)
    name: str = Field(default="", max_length=20)
    response: Any = Field(default=None, sa_column=Column(JSON))
    correct: bool = False
    received_at: datetime = Field(sa_type=UTCDateTime)
