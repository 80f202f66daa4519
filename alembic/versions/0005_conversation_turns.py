"""Conversation turns: the recent messages of a conversation, so that a sidebar need only send the new one

Revision ID: 0005_conversation_turns
Revises: 0004_auth
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_conversation_turns"
down_revision = "0004_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('buyer', 'agent')", name=op.f("ck_conversation_turns_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_turns")),
    )
    with op.batch_alter_table("conversation_turns", schema=None) as batch_op:
        batch_op.create_index("ix_conversation_turns_conversation", ["shop_id", "conversation_id", "at"], unique=False)
        batch_op.create_index("ix_conversation_turns_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation_turns", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_turns_at")
        batch_op.drop_index("ix_conversation_turns_conversation")
    op.drop_table("conversation_turns")
