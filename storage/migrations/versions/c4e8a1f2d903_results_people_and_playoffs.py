"""results: roster membership and 待确认 on workers, play-off results on standings

Revision ID: c4e8a1f2d903
Revises: c4d5e6f7a8b9
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4e8a1f2d903"
down_revision: str | None = "c4d5e6f7a8b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("worker", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("on_roster", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Before this column only a roster gave workers a 工号 without a Telegram account; the
    # best reading of old data is that a worker with a 工号 came from the roster.
    op.execute("UPDATE worker SET on_roster = TRUE WHERE employee_no IS NOT NULL")
    with op.batch_alter_table("standing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("playoff_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("playoff_time_ms", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("standing", schema=None) as batch_op:
        batch_op.drop_column("playoff_time_ms")
        batch_op.drop_column("playoff_score")
    with op.batch_alter_table("worker", schema=None) as batch_op:
        batch_op.drop_column("pending")
        batch_op.drop_column("on_roster")
