"""messenger identities: worker_identity (钉钉/飞书/企业微信 accounts), worker.mobile

Revision ID: d2a7c9e1b4f6
Revises: c4e8a1f2d903
Create Date: 2026-12-08 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d2a7c9e1b4f6"
down_revision: str | None = "c4e8a1f2d903"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("worker", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mobile", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_worker_mobile", ["mobile"], unique=False)
    op.create_table(
        "worker_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "external_id", name="uq_identity_account"),
        sa.UniqueConstraint("platform", "worker_id", name="uq_identity_worker"),
    )
    op.create_index("ix_worker_identity_worker_id", "worker_identity", ["worker_id"])


def downgrade() -> None:
    op.drop_index("ix_worker_identity_worker_id", table_name="worker_identity")
    op.drop_table("worker_identity")
    with op.batch_alter_table("worker", schema=None) as batch_op:
        batch_op.drop_index("ix_worker_mobile")
        batch_op.drop_column("mobile")
