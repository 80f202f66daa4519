"""Tables of the case records. Events are append-only: a correction is a new event, never an edit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.terms import REMEDIES
from app.db.base import Base, UTCDateTime

__all__ = ["REMEDIES"]  # re-exported: the case tables' check constraints and schemas use the core's list

STATUSES = ("open", "waiting_buyer", "waiting_courier", "waiting_approval", "resolved", "closed")
# Remedies whose amount is the shop's money given as a gesture: above the agent's range the 店长 decides (000).
# (A refund's amount is the order's own money back, which needs no approval.)
MONEY_REMEDIES = ("compensate", "partial_refund")
APPROVAL_STATUSES = ("pending", "approved", "rejected")
EVENT_TYPES = (
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
    "approval_rejected",
    "script_chosen",  # the agent picked a script by searching (the intent and branch the matcher missed)
    "remedy_proposed",
    "remedy_agreed",  # the buyer agreed to the remedy proposed
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(f"remedy IS NULL OR {_in('remedy', REMEDIES)}", name="remedy"),
        Index("ix_cases_shop_conversation", "shop_id", "conversation_id"),
        Index("ix_cases_shop_order", "shop_id", "order_id"),
        Index("ix_cases_shop_status", "shop_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    buyer_ref: Mapped[str | None] = mapped_column(String(128))
    intent: Mapped[str] = mapped_column(String(64))
    branch: Mapped[str | None] = mapped_column(String(128))  # script id of the current step
    assessment: Mapped[str | None] = mapped_column(String(64))  # the agent's latest judgement
    status: Mapped[str] = mapped_column(String(32), default="open")
    remedy: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    assignee: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    evidence: Mapped[list[EvidenceItem]] = relationship(back_populates="case", order_by="EvidenceItem.id")
    follow_ups: Mapped[list[FollowUp]] = relationship(back_populates="case", order_by="FollowUp.id")
    approvals: Mapped[list[Approval]] = relationship(back_populates="case", order_by="Approval.id")

    __mapper_args__ = {"version_id_col": version}  # a stale write raises instead of overwriting


class CaseEvent(Base):
    __tablename__ = "case_events"
    __table_args__ = (
        CheckConstraint(_in("type", EVENT_TYPES), name="type"),
        Index("ix_case_events_case_at", "case_id", "at"),
        Index("ix_case_events_type_at", "type", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str | None] = mapped_column(String(64))
    script_id: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EvidenceItem(Base):
    __tablename__ = "evidence_items"
    __table_args__ = (UniqueConstraint("case_id", "evidence_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    evidence_id: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_by: Mapped[str | None] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="evidence")


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_due", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    what: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(String(64))
    # A promise a shown script made (its deadline kind and the script): one open follow-up per kind.
    kind: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(128))

    case: Mapped[Case] = relationship(back_populates="follow_ups")


class Approval(Base):
    """An amount above the agent's range, waiting for (or decided by) the 店长. While one is pending its case
    cannot be resolved or closed; the case's amount is the approved one, never the one asked."""

    __tablename__ = "approvals"
    __table_args__ = (
        CheckConstraint(_in("status", APPROVAL_STATUSES), name="status"),
        CheckConstraint(f"remedy IS NULL OR {_in('remedy', REMEDIES)}", name="remedy"),
        Index("ix_approvals_shop_status_asked", "shop_id", "status", "asked_at"),
        Index("ix_approvals_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    shop_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    remedy: Mapped[str | None] = mapped_column(String(32))
    asked_by: Mapped[str | None] = mapped_column(String(64))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer_by: Mapped[datetime] = mapped_column(UTCDateTime())  # policy response_minutes.supervisor_approval
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))

    case: Mapped[Case] = relationship(back_populates="approvals")
