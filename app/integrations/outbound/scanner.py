"""Follow-ups are time-based events: nothing is written when one becomes due or overdue, so the worker scans
for them. Each follow-up and due time is emitted once per kind however many instances scan at once: the event's
``dedupe_key`` is unique, a second insert fails inside its own savepoint and is dropped."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app.cases.models import Case, FollowUp
from app.integrations.outbound import outbox
from app.integrations.outbound.models import OutboundEvent, OutboundTarget

# Follow-ups overdue for longer than this when first seen (the feature switched on, a shop's first target) are
# not announced: a group robot flooded with last month's misses helps nobody, the queue page lists them.
HORIZON = timedelta(days=1)
BATCH = 200


def _key(follow_up: FollowUp, kind: str) -> str:
    # The due time is part of the key: a follow-up moved to a new time is a new promise, announced again.
    return f"follow_up:{follow_up.id}:{kind}:{follow_up.due_at.timestamp():.0f}"


def _seen(s: Session, keys: list[str]) -> set[str]:
    """The keys already emitted (the cheap check; the unique constraint is the one that holds under a race)."""
    return {k for k in s.scalars(select(OutboundEvent.dedupe_key).where(OutboundEvent.dedupe_key.in_(keys))) if k}


def scan(s: Session, now: datetime, lead: timedelta) -> int:
    """Emit ``followup.due`` (``lead`` before the due time) and ``followup.overdue`` (at it) for open follow-ups
    of shops with a subscribed target. Returns how many events were written."""
    shops = set(s.scalars(select(OutboundTarget.shop_id).where(OutboundTarget.active.is_(True))).all())
    if not shops:
        return 0
    rows = s.scalars(
        select(FollowUp)
        .join(Case, FollowUp.case_id == Case.id)
        .options(joinedload(FollowUp.case))
        .where(
            FollowUp.done_at.is_(None),
            FollowUp.due_at <= now + lead,
            FollowUp.due_at > now - HORIZON,
            Case.shop_id.in_(sorted(shops)),
        )
        .order_by(FollowUp.due_at)
        .limit(BATCH)
    ).all()
    wanted = []
    for f in rows:
        kind = "followup.overdue" if f.due_at <= now else "followup.due"
        wanted.append((f, kind, _key(f, kind)))
    if not wanted:
        return 0
    seen = _seen(s, [key for *_, key in wanted])
    written = 0
    for f, kind, key in wanted:
        if key in seen:
            continue
        data = {"follow_up": outbox.follow_up_data(f), "case": outbox.case_data(f.case)}
        try:
            with s.begin_nested():
                if outbox.emit(s, f.case.shop_id, kind, now, data, case_id=f.case_id, dedupe_key=key) is not None:
                    written += 1
        except IntegrityError:
            continue  # another instance emitted it between our read and our insert
    return written
