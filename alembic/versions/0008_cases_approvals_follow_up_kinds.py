"""Approvals (an amount above the agent's range, decided by the 店长), follow-ups made from a script's
promises (their deadline kind and script), and the supervisor role for keys

Revision ID: 0008_cases_approvals
Revises: 0007_cases_event_types
Create Date: 2026-12-07 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_cases_approvals"
down_revision = "0007_cases_event_types"
branch_labels = None
depends_on = None

_ROLES_BEFORE = ("bot", "agent", "editor", "admin")
_ROLES_AFTER = ("bot", "agent", "editor", "supervisor", "admin")
_REMEDIES = ("resend", "refund", "partial_refund", "exchange", "compensate", "return_refund")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _roles(roles: tuple[str, ...]) -> None:
    # A CHECK constraint cannot be altered in place; on SQLite batch mode rebuilds the table with the new one.
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_keys_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_api_keys_role"), _in("role", roles))


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("remedy", sa.String(length=32), nullable=True),
        sa.Column("asked_by", sa.String(length=64), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(_in("status", ("pending", "approved", "rejected")), name=op.f("ck_approvals_status")),
        sa.CheckConstraint(f"remedy IS NULL OR {_in('remedy', _REMEDIES)}", name=op.f("ck_approvals_remedy")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_approvals_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
    )
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.create_index("ix_approvals_case", ["case_id"], unique=False)
        batch_op.create_index("ix_approvals_shop_status_asked", ["shop_id", "status", "asked_at"], unique=False)
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=128), nullable=True))
    _roles(_ROLES_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM api_keys WHERE role = 'supervisor'")
    _roles(_ROLES_BEFORE)
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("kind")
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.drop_index("ix_approvals_shop_status_asked")
        batch_op.drop_index("ix_approvals_case")
    op.drop_table("approvals")
