"""crowd: the update inbox, bot instances, attempt invariants, named leases

Revision ID: b7c1d2e3f4a5
Revises: a30f50472b5e
Create Date: 2026-12-01 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "b7c1d2e3f4a5"
down_revision: str | None = "a30f50472b5e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_table(
        "bot_instance",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bot_instance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bot_instance_heartbeat_at"), ["heartbeat_at"], unique=False
        )

    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_done_at"), ["done_at"], unique=False)
        batch_op.create_index("ix_inbox_status_owner", ["status", "owner"], unique=False)

    op.rename_table("scheduler_lease", "lease")

    # Before the database held these invariants a double tap could break them: number a
    # worker's attempts at a competition 1, 2, … by creation, and keep only their latest
    # attempt active.
    op.execute(
        "UPDATE attempt SET number = (SELECT COUNT(*) FROM attempt AS a2"
        " WHERE a2.worker_id = attempt.worker_id AND a2.competition_id = attempt.competition_id"
        " AND a2.id <= attempt.id) WHERE competition_id IS NOT NULL"
    )
    op.execute(
        "UPDATE attempt SET status = 'expired' WHERE status = 'active' AND id < (SELECT MAX(id)"
        " FROM attempt AS a2 WHERE a2.worker_id = attempt.worker_id AND a2.status = 'active')"
    )
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_attempt_number", ["worker_id", "competition_id", "number"]
        )
        batch_op.create_index(
            "uq_attempt_one_active",
            ["worker_id"],
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )

    # Multiple-choice ticks travel in the keyboard now and are stored once, on submit.
    with op.batch_alter_table("attempt_question", schema=None) as batch_op:
        batch_op.drop_column("selection")


def downgrade() -> None:
    with op.batch_alter_table("attempt_question", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("selection", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index("uq_attempt_one_active", sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.drop_constraint("uq_attempt_number", type_="unique")
    op.rename_table("lease", "scheduler_lease")
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_status_owner")
        batch_op.drop_index(batch_op.f("ix_inbox_done_at"))
    op.drop_table("inbox")
    with op.batch_alter_table("bot_instance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_instance_heartbeat_at"))
    op.drop_table("bot_instance")
