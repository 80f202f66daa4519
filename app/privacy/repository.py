"""Every query of the privacy domain: the cases due for purging or matching an erasure's selector, their events,
the privacy log and the daily run's lease."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import ColumnElement

from app.cases.models import Case, CaseEvent
from app.privacy.models import MaintenanceLease, PrivacyLog

FINISHED = ("resolved", "closed")
BATCH = 200  # cases loaded at a time by a purge: memory stays flat however many are due

_LOADED = (selectinload(Case.follow_ups), selectinload(Case.approvals))


def _unpurged() -> ColumnElement[bool]:
    """Not purged, or written to since (an erased case that went on: its new events hold new data)."""
    later = select(CaseEvent.id).where(CaseEvent.case_id == Case.id, CaseEvent.at > Case.purged_at)
    return or_(Case.purged_at.is_(None), later.exists())


def shops_with_finished(s: Session) -> list[str]:
    """Shops that have resolved or closed cases not purged yet."""
    query = select(Case.shop_id).where(Case.status.in_(FINISHED), _unpurged()).distinct()
    return sorted(s.scalars(query))


def due(s: Session, shop_id: str, cutoff: datetime, after_id: int, limit: int = BATCH) -> list[Case]:
    """The shop's resolved or closed cases untouched since ``cutoff`` (the row, and no event since either: a
    note after closing counts) and not purged, by id after ``after_id`` (the pages of a dry run, which marks
    nothing)."""
    recent = select(CaseEvent.id).where(CaseEvent.case_id == Case.id, CaseEvent.at >= cutoff)
    query = (
        select(Case)
        .where(
            Case.shop_id == shop_id,
            Case.status.in_(FINISHED),
            Case.updated_at < cutoff,
            ~recent.exists(),
            _unpurged(),
            Case.id > after_id,
        )
        .options(*_LOADED)
        .order_by(Case.id)
        .limit(limit)
    )
    return list(s.scalars(query))


def events(s: Session, case_ids: list[int]) -> list[CaseEvent]:
    if not case_ids:
        return []
    return list(s.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids)).order_by(CaseEvent.id)))


def by_buyer_ref(s: Session, shop_id: str, buyer_ref: str) -> list[Case]:
    query = select(Case).where(Case.shop_id == shop_id, Case.buyer_ref == buyer_ref)
    return list(s.scalars(query.options(*_LOADED).order_by(Case.id)))


def by_conversations(s: Session, shop_id: str, conversation_ids: list[str]) -> list[Case]:
    if not conversation_ids:
        return []
    query = select(Case).where(Case.shop_id == shop_id, Case.conversation_id.in_(conversation_ids))
    return list(s.scalars(query.options(*_LOADED).order_by(Case.id)))


def mentioning(s: Session, shop_id: str, needles: list[str]) -> list[Case]:
    """The shop's cases whose buyer reference or any event's data contains one of ``needles``. The JSON is
    compared as text, the same on both engines (digits and ASCII separators are stored as typed)."""
    data = cast(CaseEvent.data, Text)
    in_events = select(CaseEvent.case_id).where(or_(*(data.contains(n) for n in needles)))
    query = select(Case).where(
        Case.shop_id == shop_id,
        or_(Case.id.in_(in_events), *(Case.buyer_ref.contains(n) for n in needles)),
    )
    return list(s.scalars(query.options(*_LOADED).order_by(Case.id)))


def log(
    s: Session,
    at: datetime,
    action: str,
    shop_id: str | None,
    actor: str,
    counts: dict[str, Any],
    selector: str | None = None,
) -> None:
    s.add(PrivacyLog(at=at, action=action, shop_id=shop_id, actor=actor, selector=selector, counts=counts))


def history(s: Session, shop_ids: tuple[str, ...] | None, limit: int) -> list[PrivacyLog]:
    """The newest entries first; ``shop_ids`` None: every shop's and the whole database's (expiries)."""
    query = select(PrivacyLog)
    if shop_ids is not None:
        query = query.where(PrivacyLog.shop_id.in_(shop_ids))
    return list(s.scalars(query.order_by(PrivacyLog.at.desc(), PrivacyLog.id.desc()).limit(limit)))


# ---- the lease of a scheduled job ----


def lease(s: Session, name: str) -> MaintenanceLease | None:
    return s.get(MaintenanceLease, name)


def ensure_lease(s: Session, name: str) -> None:
    """The job's row, made on first use; a concurrent instance making it too is no error."""
    if s.get(MaintenanceLease, name) is not None:
        return
    try:
        with s.begin_nested():
            s.add(MaintenanceLease(name=name, failed=False))
    except IntegrityError:
        pass  # another instance inserted it first: it exists, which is all this wants


def claim(s: Session, name: str, holder: str, day: str, now: datetime, until: datetime) -> bool:
    """Take the job for ``day`` unless it is done for that day or held by a lease that has not run out. One
    conditional UPDATE: whichever instance updates the row first wins; the others match no row."""
    result = s.execute(
        update(MaintenanceLease)
        .where(
            MaintenanceLease.name == name,
            or_(MaintenanceLease.done_on.is_(None), MaintenanceLease.done_on < day),
            or_(MaintenanceLease.lease_until.is_(None), MaintenanceLease.lease_until < now),
        )
        .values(holder=holder, lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def release(s: Session, name: str, holder: str, done_on: str | None) -> None:
    """Give the lease back: done for ``done_on``, or (None) failed, to be tried again."""
    values: dict[str, Any] = {"holder": None, "lease_until": None, "failed": done_on is None}
    if done_on is not None:
        values["done_on"] = done_on
    s.execute(
        update(MaintenanceLease)
        .where(MaintenanceLease.name == name, MaintenanceLease.holder == holder)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def mark_purged(s: Session, case: Case, now: datetime) -> None:
    """Clear the buyer reference and stamp the purge with a plain UPDATE that leaves the case's version alone:
    a purge must not turn an agent's next write on a reopened case into a conflict. The loaded object is told."""
    s.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(buyer_ref=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(case, "buyer_ref", None)
    set_committed_value(case, "purged_at", now)
