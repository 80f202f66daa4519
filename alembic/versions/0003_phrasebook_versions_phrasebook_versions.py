"""Phrasebook versions: every content version that went live, with its script changes

Revision ID: 0003_phrasebook_versions
Revises: 0002_cases
Create Date: 2026-11-23 01:12:47.009150
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_phrasebook_versions"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phrasebook_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("previous", sa.String(length=32), nullable=True),
        sa.Column("went_live_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phrasebook_versions")),
    )
    with op.batch_alter_table("phrasebook_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phrasebook_versions_version"), ["version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("phrasebook_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phrasebook_versions_version"))

    op.drop_table("phrasebook_versions")
