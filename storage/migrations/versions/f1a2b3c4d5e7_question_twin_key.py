"""question.twin_key: near-duplicate questions (重复题) never share a paper

Revision ID: f1a2b3c4d5e7
Revises: e3b8d0f2a6c1
Create Date: 2026-12-08 04:00:00

Existing questions get their folded stem's key, so copies already in two sets that differ
only in width, case, spaces, punctuation or blank markers are one group from now on.
"""

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1a2b3c4d5e7"
down_revision: str | None = "e3b8d0f2a6c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
# quizbank.overlap.stem_key as it is at this revision (storage imports no quizbank, and a
# migration keeps the behaviour it was written with).
_BLANK = re.compile(r"_{2,}|（\s*）|\(\s*\)")


def stem_key(stem: str) -> str:
    text = _BLANK.sub("", unicodedata.normalize("NFKC", stem)).casefold()
    return hashlib.sha1("".join(ch for ch in text if ch.isalnum()).encode()).hexdigest()[:16]


def upgrade() -> None:
    op.add_column("question", sa.Column("twin_key", sa.String(length=32), nullable=True))
    question = sa.table(
        "question", sa.column("id", sa.Integer), sa.column("stem"), sa.column("twin_key")
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(question.c.id, question.c.stem)).all()
    keys = [{"b_id": row.id, "b_key": stem_key(row.stem or "")} for row in rows]
    statement = (
        question.update()
        .where(question.c.id == sa.bindparam("b_id"))
        .values(twin_key=sa.bindparam("b_key"))
    )
    for start in range(0, len(keys), BATCH):
        bind.execute(statement, keys[start : start + BATCH])


def downgrade() -> None:
    with op.batch_alter_table("question") as batch:
        batch.drop_column("twin_key")
