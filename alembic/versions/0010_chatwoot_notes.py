"""The queue of Chatwoot private notes: one row per buyer message (unique account and message id), its
suggestion made once, posted with retries and backoff (app/integrations/chatwoot/)

Revision ID: 0010_chatwoot_notes
Revises: 0009_privacy_lifecycle
Create Date: 2026-12-07 23:30:14.409967
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_chatwoot_notes"
down_revision = "0009_privacy_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chatwoot_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("inbox_id", sa.BigInteger(), nullable=True),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("chatwoot_note_id", sa.BigInteger(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'posted', 'skipped', 'failed')", name=op.f("ck_chatwoot_notes_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatwoot_notes")),
        sa.UniqueConstraint("account_id", "message_id", name="uq_chatwoot_notes_message"),
    )
    with op.batch_alter_table("chatwoot_notes", schema=None) as batch_op:
        batch_op.create_index("ix_chatwoot_notes_due", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chatwoot_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_chatwoot_notes_due")

    op.drop_table("chatwoot_notes")
