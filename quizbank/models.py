"""Question bank tables: question sets (题库) and their questions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class QuestionType(StrEnum):
    """单选题 / 多选题 / 判断题 / 填空题."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    BLANK = "blank"


CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE})
MAX_OPTIONS = 8
OPTION_LETTERS = "ABCDEFGH"


class QuestionSet(SQLModel, table=True):
    """A named, versioned question set (题库) as uploaded by an organiser."""

    __tablename__ = "question_set"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    version: int = 1
    uploaded_by: str | None = Field(default=None, max_length=100)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    checksum: str = Field(default="", max_length=64)
    source_filename: str | None = Field(default=None, max_length=255)


class Question(SQLModel, table=True):
    """One question.

    ``answer`` is canonical and refers to the options in stored order:
    single/multiple: sorted option indices, e.g. ``[0, 2]``;
    true/false: ``[true]`` or ``[false]``;
    blank: one list of accepted alternatives per blank, e.g. ``[["1978", "1978年"]]``.
    """

    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("set_id", "key", name="uq_question_set_key"),)

    id: int | None = Field(default=None, primary_key=True)
    set_id: int = Field(foreign_key="question_set.id", index=True, ondelete="CASCADE")
    key: str = Field(max_length=64, description="stable key: hash of type and stem")
    content_hash: str = Field(max_length=64, description="hash of everything shown or graded")
    type: QuestionType = Field(sa_type=String(16))
    stem: str = Field(sa_column=Column(Text, nullable=False))
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answer: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    explanation: str = Field(default="", sa_column=Column(Text, nullable=False))
    points: float = 1.0
    difficulty: int = Field(default=2, ge=1, le=3)
    category: str = Field(default="", max_length=100, index=True)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="", max_length=255)
    position: int = Field(default=0, description="row order within the set")
    # 重复题: questions sharing a twin key never share a paper (quizbank.overlap.stem_key;
    # an import gives a near copy of another set's question that question's key).
    twin_key: str | None = Field(default=None, max_length=32)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
