"""Editor sessions: the /editor cookie holds a random token of its own, never the key; only its hash is stored

Revision ID: 0006_editor_sessions
Revises: 0005_conversation_turns
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_editor_sessions"
down_revision = "0005_conversation_turns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "editor_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name=op.f("fk_editor_sessions_key_id_api_keys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_editor_sessions")),
    )
    with op.batch_alter_table("editor_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_editor_sessions_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("editor_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_editor_sessions_expires_at")
    op.drop_table("editor_sessions")
