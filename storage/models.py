"""Storage-level tables not owned by a domain package, and the one import of every table.

Importing ``storage.models`` registers all tables on ``SQLModel.metadata`` (Alembic and
the tests use it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

import contest.models as contest_models
import quizbank.models as quizbank_models
import scheduler.models as scheduler_models
from storage.types import UTCDateTime, utcnow


class ConversationState(SQLModel, table=True):
    """Chat conversation state (aiogram FSM) when no Redis is configured."""

    __tablename__ = "conversation_state"

    key: str = Field(sa_column=Column(String(200), primary_key=True))
    state: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


metadata = SQLModel.metadata
__all__ = ["ConversationState", "contest_models", "metadata", "quizbank_models", "scheduler_models"]
