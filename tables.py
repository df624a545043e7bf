"""The table registry: importing it registers every table on ``SQLModel.metadata``.

Only Alembic (``storage/migrations/env.py``), the tests and the benchmarks import it; it sits
at the top level, beside ``config.py``, because it knows every package, and ``storage`` (the
bottom layer) may know none of them.
"""

from __future__ import annotations

from sqlmodel import SQLModel

import bot.models as bot_models
import chat.models as messenger_models
import contest.app_groups as app_group_models
import contest.big_screen as screen_models
import contest.identities as identity_models
import contest.live.models as live_models
import contest.models as contest_models
import contest.outbox as outbox_models
import contest.robots as robot_models
import contest.schedules as schedule_models
import contest.web_access as web_access_models
import contest.web_signin as web_signin_models
import quizbank.models as quizbank_models
import scheduler.models as scheduler_models
import storage.lease as lease_models

metadata = SQLModel.metadata
__all__ = [
    "app_group_models",
    "bot_models",
    "contest_models",
    "identity_models",
    "lease_models",
    "live_models",
    "messenger_models",
    "metadata",
    "outbox_models",
    "quizbank_models",
    "robot_models",
    "schedule_models",
    "scheduler_models",
    "screen_models",
    "web_access_models",
    "web_signin_models",
]
