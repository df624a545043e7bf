"""live final: teams, segments, questions, buzzes, events, audience answers

Revision ID: e5f1a2b3c4d6
Revises: d2a7c9e1b4f6
Create Date: 2026-12-08 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5f1a2b3c4d6"
down_revision: str | None = "d2a7c9e1b4f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_final",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("buzzer", sa.String(length=8), nullable=False),
        sa.Column("segment_position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["competition_id"], ["competition.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("live_final", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_live_final_competition_id"), ["competition_id"], unique=False
        )

    op.create_table(
        "live_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("final_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["final_id"], ["live_final.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("live_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_event_final_id"), ["final_id"], unique=False)

    op.create_table(
        "live_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("final_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["final_id"], ["live_final.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("final_id", "position", name="uq_live_segment"),
    )
    op.create_table(
        "live_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("final_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("start_score", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["final_id"], ["live_final.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("final_id", "seat", name="uq_live_team_seat"),
    )
    with op.batch_alter_table("live_team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_team_final_id"), ["final_id"], unique=False)

    op.create_table(
        "live_player",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("final_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["final_id"], ["live_final.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["live_team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("final_id", "worker_id", name="uq_live_player"),
    )
    with op.batch_alter_table("live_player", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_player_team_id"), ["team_id"], unique=False)

    op.create_table(
        "live_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("final_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("armed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_buzz_id", sa.Integer(), nullable=True),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wrong", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["final_id"], ["live_final.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
        ),
        sa.ForeignKeyConstraint(["segment_id"], ["live_segment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("segment_id", "position", name="uq_live_question"),
    )
    with op.batch_alter_table("live_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_question_final_id"), ["final_id"], unique=False)

    op.create_table(
        "live_audience_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("voter", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["live_question.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id", "voter", name="uq_live_audience_voter"),
    )
    with op.batch_alter_table("live_audience_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_live_audience_answer_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "live_buzz",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("final_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("false_start", sa.Boolean(), nullable=False),
        sa.Column("ruling", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["final_id"], ["live_final.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["live_question.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["live_team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id", "team_id", name="uq_live_buzz_team"),
    )
    with op.batch_alter_table("live_buzz", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_buzz_final_id"), ["final_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("live_buzz", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_buzz_final_id"))

    op.drop_table("live_buzz")
    with op.batch_alter_table("live_audience_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_audience_answer_question_id"))

    op.drop_table("live_audience_answer")
    with op.batch_alter_table("live_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_question_final_id"))

    op.drop_table("live_question")
    with op.batch_alter_table("live_player", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_player_team_id"))

    op.drop_table("live_player")
    with op.batch_alter_table("live_team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_team_final_id"))

    op.drop_table("live_team")
    op.drop_table("live_segment")
    with op.batch_alter_table("live_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_event_final_id"))

    op.drop_table("live_event")
    with op.batch_alter_table("live_final", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_final_competition_id"))

    op.drop_table("live_final")
