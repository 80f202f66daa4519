"""Indexes the case routes need as cases grow (a case read loads its follow-ups by case; the case list sorts
on updated_at; the queue looks for evidence not received yet), and a per-key budget of requests a minute

Revision ID: 0012_case_indexes
Revises: 0011_outbound_events
Create Date: 2026-12-07 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_case_indexes"
down_revision = "0011_outbound_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain CREATE INDEX: batch mode would rebuild each table on SQLite, which an index does not need.
    op.create_index("ix_follow_ups_case", "follow_ups", ["case_id"], unique=False)
    op.create_index("ix_cases_updated", "cases", ["updated_at", "id"], unique=False)
    op.create_index("ix_cases_shop_updated", "cases", ["shop_id", "updated_at", "id"], unique=False)
    op.create_index(
        "ix_evidence_items_waiting", "evidence_items", ["received_at", "requested_at", "case_id"], unique=False
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("budget_per_minute", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("budget_per_minute")
    op.drop_index("ix_evidence_items_waiting", table_name="evidence_items")
    op.drop_index("ix_cases_shop_updated", table_name="cases")
    op.drop_index("ix_cases_updated", table_name="cases")
    op.drop_index("ix_follow_ups_case", table_name="follow_ups")
