"""messenger events (the DingTalk/Feishu inbox) and the groups their apps sit in

Revision ID: e5b8d1c3a7f2
Revises: e5f1a2b3c4d6
Create Date: 2026-12-08 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b8d1c3a7f2"
down_revision: str | None = "e5f1a2b3c4d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "messenger_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "event_id", name="uq_messenger_event"),
    )
    op.create_index("ix_messenger_event_status_owner", "messenger_event", ["status", "owner"])
    op.create_index("ix_messenger_event_done_at", "messenger_event", ["done_at"])
    op.create_table(
        "messenger_chat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("competition_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["competition_id"], ["competition.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "conversation_id", name="uq_messenger_chat"),
    )
    op.create_index("ix_messenger_chat_competition_id", "messenger_chat", ["competition_id"])


def downgrade() -> None:
    op.drop_index("ix_messenger_chat_competition_id", table_name="messenger_chat")
    op.drop_table("messenger_chat")
    op.drop_index("ix_messenger_event_done_at", table_name="messenger_event")
    op.drop_index("ix_messenger_event_status_owner", table_name="messenger_event")
    op.drop_table("messenger_event")
