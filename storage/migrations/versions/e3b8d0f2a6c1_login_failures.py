"""web sign-in: login_failure (wrong 姓名 tries and locks per 工号)

Revision ID: e3b8d0f2a6c1
Revises: e5b8d1c3a7f2
Create Date: 2026-12-08 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e3b8d0f2a6c1"
down_revision: str | None = "e5b8d1c3a7f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failure",
        sa.Column("employee_no", sa.String(length=50), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("employee_no"),
    )


def downgrade() -> None:
    op.drop_table("login_failure")
