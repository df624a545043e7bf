"""The one import of every table (the table registry): Alembic and the tests use it.

Importing ``storage.models`` registers all tables on ``SQLModel.metadata``.
"""

from __future__ import annotations

from sqlmodel import SQLModel

import bot.models as bot_models
import contest.models as contest_models
import quizbank.models as quizbank_models
import scheduler.models as scheduler_models
import storage.lease as lease_models

metadata = SQLModel.metadata
__all__ = [
    "bot_models",
    "contest_models",
    "lease_models",
    "metadata",
    "quizbank_models",
    "scheduler_models",
]
