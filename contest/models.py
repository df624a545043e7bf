"""Contest tables: people, teams, competitions, attempts, standings, organisers, audit."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Team(SQLModel, table=True):
    """A team in the organisation's hierarchy (部门 > 车间 > 班组)."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_team_parent_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(default="", max_length=20, description="level label: 部门/车间/班组")
    parent_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    join_code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Worker(SQLModel, table=True):
    """A worker (职工): registered in the bot, pre-registered from a roster, or both."""

    __tablename__ = "worker"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True))
    username: str | None = Field(default=None, max_length=64, index=True)
    real_name: str = Field(default="", max_length=50)
    employee_no: str | None = Field(default=None, sa_column=Column(String(50), unique=True))
    mobile: str | None = Field(
        default=None,
        sa_column=Column(String(32), index=True),
        description="手机号 from the roster, digits only: how a messenger's directory finds them",
    )
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    language: str = Field(default="zh", max_length=8)
    registered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    on_roster: bool = Field(default=False, description="listed on an uploaded roster (花名册)")
    pending: bool = Field(
        default=False, description="待确认: registered in the bot but matching nobody on the roster"
    )
    active: bool = Field(default=True, description="False once the worker blocked the bot")
    muted: bool = Field(default=False, description="no reminders (/mute)")
    practice_push: bool = Field(default=False, description="opt-in daily practice push")
    practice_streak: int = 0
    practice_last_day: date | None = None
    last_reminded_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CompetitionStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Competition(SQLModel, table=True):
    """A competition; ``rules`` holds a dumped ``contest.rules.CompetitionRules``."""

    __tablename__ = "competition"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: CompetitionStatus = Field(default=CompetitionStatus.DRAFT, sa_type=String(16))
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AttemptKind(StrEnum):
    PRACTICE = "practice"
    COMPETITION = "competition"
    PLAYOFF = "playoff"  # 加赛: separates workers tied on score at the top, after the close


class AttemptStatus(StrEnum):
    ACTIVE = "active"
    FINISHED = "finished"
    EXPIRED = "expired"


class Attempt(SQLModel, table=True):
    """One run through a drawn question list: a competition attempt or a practice round.

    The database holds the invariants: a worker's attempts at a competition are numbered
    1, 2, … without repeats (so a double tap on 开始 cannot make two), and a worker has at
    most one active attempt.
    """

    __tablename__ = "attempt"
    __table_args__ = (
        Index("ix_attempt_worker_status", "worker_id", "status"),
        UniqueConstraint("worker_id", "competition_id", "number", name="uq_attempt_number"),
        Index(
            "uq_attempt_one_active",
            "worker_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(foreign_key="worker.id", ondelete="CASCADE")
    competition_id: int | None = Field(
        default=None, foreign_key="competition.id", index=True, ondelete="CASCADE"
    )
    kind: AttemptKind = Field(sa_type=String(16))
    status: AttemptStatus = Field(default=AttemptStatus.ACTIVE, sa_type=String(16))
    number: int = Field(default=1, description="1-based attempt number within the competition")
    seed: int = 0
    question_count: int = 0
    current_position: int = 0
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deadline_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    score: float = 0.0
    correct_count: int = 0
    time_used_ms: int = 0
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    message_id: int | None = None


class AnswerStatus(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"
    TIMEOUT = "timeout"


class AttemptQuestion(SQLModel, table=True):
    """One question within an attempt and the worker's answer to it (答题明细)."""

    __tablename__ = "attempt_question"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_attempt_position"),)

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", ondelete="CASCADE")
    position: int
    question_id: int = Field(foreign_key="question.id", index=True)
    option_order: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    presented_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deadline_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: AnswerStatus = Field(default=AnswerStatus.PENDING, sa_type=String(16))
    response: Any = Field(default=None, sa_column=Column(JSON))
    correct: bool | None = None
    credit: float = 0.0
    score: float = 0.0
    elapsed_ms: int = 0


class Standing(SQLModel, table=True):
    """A worker's counted result in a competition, kept up to date as answers arrive."""

    __tablename__ = "standing"
    __table_args__ = (
        Index("ix_standing_rank", "competition_id", "score", "time_used_ms", "finished_at"),
        Index("ix_standing_team", "competition_id", "team_id"),
    )

    competition_id: int = Field(foreign_key="competition.id", primary_key=True, ondelete="CASCADE")
    worker_id: int = Field(foreign_key="worker.id", primary_key=True, ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    attempt_id: int | None = Field(default=None, foreign_key="attempt.id")
    score: float = 0.0
    correct_count: int = 0
    time_used_ms: int = 0
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    playoff_score: float | None = Field(default=None, description="加赛: separates equal scores")
    playoff_time_ms: int | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TeamStanding(SQLModel, table=True):
    """A team's score in a competition under the competition's team-scoring mode."""

    __tablename__ = "team_standing"
    __table_args__ = (Index("ix_team_standing_rank", "competition_id", "score"),)

    competition_id: int = Field(foreign_key="competition.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")
    participants: int = 0
    registered: int = 0
    score_sum: float = 0.0
    score: float = 0.0
    ranked: bool = Field(default=False, description="enough participants to be ranked")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PracticeDay(SQLModel, table=True):
    """A worker's practice totals for one local day (每日一练), for the practice boards."""

    __tablename__ = "practice_day"

    worker_id: int = Field(foreign_key="worker.id", primary_key=True, ondelete="CASCADE")
    day: date = Field(primary_key=True, index=True)
    answered: int = 0
    correct: int = 0
    score: float = 0.0


class QuestionSeen(SQLModel, table=True):
    """When a worker last saw a question, so practice prefers unseen ones."""

    __tablename__ = "question_seen"

    worker_id: int = Field(foreign_key="worker.id", primary_key=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="question.id", primary_key=True, ondelete="CASCADE")
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Organiser(SQLModel, table=True):
    """An organiser (组织者) granted by a super-admin, optionally for one competition."""

    __tablename__ = "organiser"
    __table_args__ = (UniqueConstraint("telegram_id", "competition_id", name="uq_organiser"),)

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    competition_id: int | None = Field(
        default=None, foreign_key="competition.id", ondelete="CASCADE"
    )
    granted_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChatBinding(SQLModel, table=True):
    """A group or channel that receives a competition's announcements (/bind)."""

    __tablename__ = "chat_binding"
    __table_args__ = (UniqueConstraint("competition_id", "chat_id", name="uq_chat_binding"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", ondelete="CASCADE")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    title: str = Field(default="", max_length=255)
    language: str = Field(default="zh", max_length=8, description="announcements' language")
    active: bool = True
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Who did what, when, with what outcome (every admin action)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    action: str = Field(max_length=50)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    outcome: str = Field(default="ok", max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
