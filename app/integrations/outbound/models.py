"""Tables of outbound events: the shop's targets, the outbox (events written in the transaction of the change
that caused them), one delivery per event and target, and the log of every attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, UTCDateTime

TARGET_KINDS = ("webhook", "wecom", "dingtalk", "feishu")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class OutboundTarget(Base):
    """Where a shop's events go. The secret signs webhooks (or a robot's 加签); it is never returned by a read,
    and the URL of a robot carries its token, so reads show only its origin (app/integrations/outbound/serialize.py)."""

    __tablename__ = "outbound_targets"
    __table_args__ = (
        CheckConstraint(_in("kind", TARGET_KINDS), name="kind"),
        Index("ix_outbound_targets_shop", "shop_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str | None] = mapped_column(String(256))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    label: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))


class OutboundEvent(Base):
    """The outbox. ``dedupe_key`` makes a time-based event (a follow-up due or overdue) happen once however
    many instances scan for it: the second insert breaks the unique constraint."""

    __tablename__ = "outbound_events"
    __table_args__ = (Index("ix_outbound_events_shop_at", "shop_id", "at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # evt_<hex>: the receivers' dedupe key
    shop_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    case_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)


class OutboundDelivery(Base):
    """One event to one target. The worker takes a pending one whose ``next_at`` has come by setting
    ``lease_until`` (a compare-and-set: one instance sends it). A failure is final after OUTBOUND_MAX_ATTEMPTS
    attempts plus ``extra_attempts`` (each manual redelivery grants one)."""

    __tablename__ = "outbound_deliveries"
    __table_args__ = (
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        Index("ix_outbound_deliveries_due", "status", "next_at"),
        Index("ix_outbound_deliveries_shop_id", "shop_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("outbound_events.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("outbound_targets.id"))
    shop_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[OutboundEvent] = relationship()
    target: Mapped[OutboundTarget] = relationship()
    log: Mapped[list[DeliveryAttempt]] = relationship(order_by="DeliveryAttempt.id")


class DeliveryAttempt(Base):
    """The delivery log: never a secret nor a URL (a robot's holds its token), errors in our own words."""

    __tablename__ = "outbound_attempts"
    __table_args__ = (Index("ix_outbound_attempts_delivery", "delivery_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("outbound_deliveries.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))
    duration_ms: Mapped[int] = mapped_column(Integer)
