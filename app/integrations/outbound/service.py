"""The rules of a shop's targets and deliveries. Functions take a Session and never commit."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.errors import FieldError, NotFound
from app.integrations.outbound import repository as repo
from app.integrations.outbound.addresses import check_url
from app.integrations.outbound.models import OutboundDelivery, OutboundTarget
from app.integrations.outbound.outbox import EVENT_TYPES, ROBOT_DEFAULT

MAX_TARGETS_PER_SHOP = 20  # each event fans out to every target: a bound on the work one change can cause


def create_target(
    s: Session,
    *,
    shop_id: str,
    kind: str,
    url: str,
    secret: str | None,
    events: list[str] | None,
    label: str | None,
    by: str | None,
    now: datetime,
    allow_private: bool,
) -> tuple[OutboundTarget, str | None]:
    """The new target and, for a webhook saved without a secret, the secret made for it (shown once)."""
    if len(repo.targets(s, (shop_id,))) >= MAX_TARGETS_PER_SHOP:
        raise FieldError(
            "body.shop_id", f"每个店铺最多 {MAX_TARGETS_PER_SHOP} 个目标 at most {MAX_TARGETS_PER_SHOP} targets"
        )
    check_url(url, allow_private)
    made = None
    if kind == "webhook" and secret is None:
        secret = made = "whsec_" + secrets.token_urlsafe(24)
    chosen = list(dict.fromkeys(events)) if events else list(EVENT_TYPES if kind == "webhook" else ROBOT_DEFAULT)
    target = OutboundTarget(
        shop_id=shop_id,
        kind=kind,
        url=url,
        secret=secret,
        events=chosen,
        label=label,
        active=True,
        created_at=now,
        created_by=by,
    )
    s.add(target)
    s.flush()
    return target, made


def get_target(s: Session, target_id: int, shops: tuple[str, ...] | None) -> OutboundTarget:
    target = repo.target(s, target_id, shops)
    if target is None:  # another shop's target is the same 404 as a missing one
        raise NotFound(f"没有这个目标 target {target_id} not found")
    return target


def update_target(s: Session, target: OutboundTarget, fields: dict[str, Any]) -> OutboundTarget:
    if "active" in fields and fields["active"] is not None:
        target.active = fields["active"]
    if fields.get("events"):
        target.events = list(dict.fromkeys(fields["events"]))
    if "label" in fields:
        target.label = fields["label"]
    if fields.get("secret"):
        target.secret = fields["secret"]
    s.flush()
    return target


def redeliver(s: Session, delivery_id: int, shops: tuple[str, ...] | None, now: datetime) -> OutboundDelivery:
    """Send it again now, whatever its state (a receiver that lost a delivered event asks for it too; the event id
    is the same, so a receiver that kept it drops the copy): one more attempt, then the usual retries if it still
    has attempts left."""
    delivery = repo.delivery(s, delivery_id, shops)
    if delivery is None:
        raise NotFound(f"没有这个投递 delivery {delivery_id} not found")
    delivery.extra_attempts += 1
    delivery.status, delivery.next_at, delivery.lease_until = "pending", now, None
    s.flush()
    return delivery
