"""Case events the case cockpit writes: an approval refused, a script the agent chose by searching, a remedy
proposed to the buyer and the buyer's agreement to it

Revision ID: 0007_cases_event_types
Revises: 0006_editor_sessions
Create Date: 2026-12-07 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007_cases_event_types"
down_revision = "0006_editor_sessions"
branch_labels = None
depends_on = None

_BEFORE = (
    "message_received",
    "suggestion_shown",
    "script_used",
    "script_edited",
    "script_rejected",
    "note",
    "registered",
    "evidence_requested",
    "evidence_received",
    "action_done",
    "follow_up_set",
    "follow_up_done",
    "status_changed",
    "approval_asked",
    "approval_given",
    "assessment",
)
_AFTER = (*_BEFORE, "approval_rejected", "script_chosen", "remedy_proposed", "remedy_agreed")


def _check(types: tuple[str, ...]) -> str:
    return f"type IN ({', '.join(repr(t) for t in types)})"


def _swap(types: tuple[str, ...]) -> None:
    # A CHECK constraint cannot be altered in place; on SQLite batch mode rebuilds the table with the new one.
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_case_events_type"), type_="check")
        batch_op.create_check_constraint(op.f("ck_case_events_type"), _check(types))


def upgrade() -> None:
    _swap(_AFTER)


def downgrade() -> None:
    op.execute(f"DELETE FROM case_events WHERE type IN ({', '.join(repr(t) for t in _AFTER[len(_BEFORE) :])})")
    _swap(_BEFORE)
