"""Outbound events: the shops' targets (webhooks and group robots), the outbox, deliveries and their log

Revision ID: 0011_outbound_events
Revises: 0010_chatwoot_notes
Create Date: 2026-12-07 23:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_outbound_events"
down_revision = "0010_chatwoot_notes"
branch_labels = None
depends_on = None


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "outbound_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("secret", sa.String(length=256), nullable=True),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            _in("kind", ("webhook", "wecom", "dingtalk", "feishu")), name=op.f("ck_outbound_targets_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_targets")),
    )
    op.create_index("ix_outbound_targets_shop", "outbound_targets", ["shop_id"], unique=False)
    op.create_table(
        "outbound_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("shop_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_events")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbound_events_dedupe_key")),
    )
    op.create_index("ix_outbound_events_shop_at", "outbound_events", ["shop_id", "at"], unique=False)
    op.create_table(
        "outbound_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("extra_attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _in("status", ("pending", "delivered", "failed")), name=op.f("ck_outbound_deliveries_status")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["outbound_events.id"], name=op.f("fk_outbound_deliveries_event_id_outbound_events")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["outbound_targets.id"], name=op.f("fk_outbound_deliveries_target_id_outbound_targets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_deliveries")),
    )
    op.create_index("ix_outbound_deliveries_due", "outbound_deliveries", ["status", "next_at"], unique=False)
    op.create_index("ix_outbound_deliveries_shop_id", "outbound_deliveries", ["shop_id", "id"], unique=False)
    op.create_table(
        "outbound_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["outbound_deliveries.id"],
            name=op.f("fk_outbound_attempts_delivery_id_outbound_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_attempts")),
    )
    op.create_index("ix_outbound_attempts_delivery", "outbound_attempts", ["delivery_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbound_attempts_delivery", table_name="outbound_attempts")
    op.drop_table("outbound_attempts")
    op.drop_index("ix_outbound_deliveries_shop_id", table_name="outbound_deliveries")
    op.drop_index("ix_outbound_deliveries_due", table_name="outbound_deliveries")
    op.drop_table("outbound_deliveries")
    op.drop_index("ix_outbound_events_shop_at", table_name="outbound_events")
    op.drop_table("outbound_events")
    op.drop_index("ix_outbound_targets_shop", table_name="outbound_targets")
    op.drop_table("outbound_targets")
