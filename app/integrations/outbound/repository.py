"""Every query of the outbound tables. ``shops`` is the caller's scope: None means every shop."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.integrations.outbound.models import OutboundDelivery, OutboundTarget


def targets(s: Session, shops: tuple[str, ...] | None) -> list[OutboundTarget]:
    q = select(OutboundTarget).order_by(OutboundTarget.id)
    if shops is not None:
        q = q.where(OutboundTarget.shop_id.in_(shops))
    return list(s.scalars(q))


def target(s: Session, target_id: int, shops: tuple[str, ...] | None) -> OutboundTarget | None:
    row = s.get(OutboundTarget, target_id)
    return row if row is not None and (shops is None or row.shop_id in shops) else None


def delivery(s: Session, delivery_id: int, shops: tuple[str, ...] | None) -> OutboundDelivery | None:
    row = s.get(OutboundDelivery, delivery_id)
    return row if row is not None and (shops is None or row.shop_id in shops) else None


def deliveries(
    s: Session,
    shops: tuple[str, ...] | None,
    *,
    status: str | None,
    target_id: int | None,
    event_id: str | None,
    before: int | None,
    limit: int,
) -> list[OutboundDelivery]:
    """Newest first; ``before`` (an id) pages backwards, which stays stable while new deliveries arrive."""
    q = select(OutboundDelivery).options(
        selectinload(OutboundDelivery.log), selectinload(OutboundDelivery.event), selectinload(OutboundDelivery.target)
    )
    if shops is not None:
        q = q.where(OutboundDelivery.shop_id.in_(shops))
    if status is not None:
        q = q.where(OutboundDelivery.status == status)
    if target_id is not None:
        q = q.where(OutboundDelivery.target_id == target_id)
    if event_id is not None:
        q = q.where(OutboundDelivery.event_id == event_id)
    if before is not None:
        q = q.where(OutboundDelivery.id < before)
    return list(s.scalars(q.order_by(OutboundDelivery.id.desc()).limit(limit)))
