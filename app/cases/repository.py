"""Every query of the case records lives here; services call these and never write SQL themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.cases.models import Approval, Case, CaseEvent, EvidenceItem, FollowUp

ACTIVE = ("open", "waiting_buyer", "waiting_courier", "waiting_approval")


# What a case is shown with: its evidence checklist, follow-ups and approvals, each in one extra query.
_LOADED = (selectinload(Case.evidence), selectinload(Case.follow_ups), selectinload(Case.approvals))


@dataclass(frozen=True, slots=True)
class CaseFilter:
    shop_ids: tuple[str, ...] | None = None  # None: every shop
    intent: str | None = None
    status: str | None = None
    assignee: str | None = None
    active_only: bool = False


def get_case(s: Session, case_id: int, shop_ids: tuple[str, ...] | None = None) -> Case | None:
    query = select(Case).where(Case.id == case_id).options(*_LOADED)
    if shop_ids is not None:
        query = query.where(Case.shop_id.in_(shop_ids))
    return s.scalars(query).first()


def find_active(
    s: Session, shop_id: str, intent: str | None, conversation_id: str | None, order_id: str | None
) -> Case | None:
    """The latest case still being handled for this conversation (or order), for this intent."""
    query = select(Case).where(Case.shop_id == shop_id, Case.status.in_(ACTIVE))
    if intent is not None:
        query = query.where(Case.intent == intent)
    if conversation_id is not None:
        query = query.where(Case.conversation_id == conversation_id)
    elif order_id is not None:
        query = query.where(Case.order_id == order_id)
    else:
        return None
    return s.scalars(query.order_by(Case.id.desc()).limit(1)).first()


def set_branch(s: Session, case: Case, branch: str, now: datetime) -> None:
    """Move the case to ``branch`` with a plain UPDATE that leaves its version alone: the buyer's message
    must not invalidate the version an agent is holding. The loaded object is told the new values."""
    s.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(branch=branch, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(case, "branch", branch)
    set_committed_value(case, "updated_at", now)


def _filtered(query: Select, f: CaseFilter) -> Select:
    if f.shop_ids is not None:
        query = query.where(Case.shop_id.in_(f.shop_ids))
    if f.intent:
        query = query.where(Case.intent == f.intent)
    if f.status:
        query = query.where(Case.status == f.status)
    elif f.active_only:
        query = query.where(Case.status.in_(ACTIVE))
    if f.assignee:
        query = query.where(Case.assignee == f.assignee)
    return query


def list_cases(s: Session, f: CaseFilter, page: int, size: int) -> tuple[list[Case], int]:
    total = s.scalar(_filtered(select(func.count(Case.id)), f)) or 0
    rows = s.scalars(
        _filtered(select(Case), f)
        .options(*_LOADED)
        .order_by(Case.updated_at.desc(), Case.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return list(rows), total


def overdue_follow_ups(
    s: Session, f: CaseFilter, now: datetime, due_before: datetime | None, page: int, size: int
) -> tuple[list[tuple[FollowUp, Case]], int]:
    limit = min(now, due_before) if due_before else now
    base = _filtered(select(FollowUp, Case).join(Case, FollowUp.case_id == Case.id), f).where(
        FollowUp.done_at.is_(None), FollowUp.due_at < limit
    )
    total = (
        s.scalar(
            _filtered(select(func.count(FollowUp.id)).join(Case, FollowUp.case_id == Case.id), f).where(
                FollowUp.done_at.is_(None), FollowUp.due_at < limit
            )
        )
        or 0
    )
    rows = s.execute(base.order_by(FollowUp.due_at).offset((page - 1) * size).limit(size)).all()
    return [(fu, case) for fu, case in rows], total


def get_follow_up(s: Session, follow_up_id: int) -> FollowUp | None:
    return s.get(FollowUp, follow_up_id)


def timeline(s: Session, case_id: int) -> list[CaseEvent]:
    return list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)))


def latest_of(s: Session, case_id: int, types: tuple[str, ...]) -> CaseEvent | None:
    """The case's newest event of one of ``types``."""
    query = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.type.in_(types))
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
        .limit(1)
    )
    return s.scalars(query).first()


def count_events(s: Session, case_id: int) -> int:
    return s.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case_id)) or 0


def cases_created_between(
    s: Session,
    shop_ids: tuple[str, ...] | None,
    start: datetime,
    end: datetime,
    *,
    after: tuple[datetime, int] | None = None,
    limit: int | None = None,
) -> list[Case]:
    """Cases created in [start, end) in (created_at, id) order; ``after``: only those past that (created_at, id),
    the last of the previous page."""
    query = select(Case).where(Case.created_at >= start, Case.created_at < end).options(*_LOADED)
    if shop_ids is not None:
        query = query.where(Case.shop_id.in_(shop_ids))
    if after is not None:
        at, case_id = after
        query = query.where(or_(Case.created_at > at, and_(Case.created_at == at, Case.id > case_id)))
    return list(s.scalars(query.order_by(Case.created_at, Case.id).limit(limit)))


def events_between(
    s: Session, shop_ids: tuple[str, ...] | None, start: datetime, end: datetime, types: tuple[str, ...]
) -> list[tuple[CaseEvent, Case]]:
    query = (
        select(CaseEvent, Case)
        .join(Case, CaseEvent.case_id == Case.id)
        .where(CaseEvent.at >= start, CaseEvent.at < end, CaseEvent.type.in_(types))
    )
    if shop_ids is not None:
        query = query.where(Case.shop_id.in_(shop_ids))
    return [(e, c) for e, c in s.execute(query.order_by(CaseEvent.at, CaseEvent.id)).all()]


def latest_events(s: Session, case_ids: list[int], type_: str) -> dict[int, CaseEvent]:
    """Each case's latest event of ``type_`` (by time, then id): one row per case, however many it has."""
    if not case_ids:
        return {}
    ranked = (
        select(
            CaseEvent.id,
            func.row_number()
            .over(partition_by=CaseEvent.case_id, order_by=(CaseEvent.at.desc(), CaseEvent.id.desc()))
            .label("n"),
        )
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.type == type_)
        .subquery()
    )
    rows = s.scalars(select(CaseEvent).join(ranked, CaseEvent.id == ranked.c.id).where(ranked.c.n == 1))
    return {e.case_id: e for e in rows}


def get_approval(s: Session, approval_id: int, shop_ids: tuple[str, ...] | None = None) -> Approval | None:
    query = select(Approval).where(Approval.id == approval_id)
    if shop_ids is not None:
        query = query.where(Approval.shop_id.in_(shop_ids))
    return s.scalars(query).first()


def approvals(
    s: Session, shop_ids: tuple[str, ...] | None, status: str | None, limit: int
) -> tuple[list[Approval], int]:
    """Approvals oldest first (the queue an approver works through), with how many there are in all."""
    query = select(Approval)
    count = select(func.count(Approval.id))
    if shop_ids is not None:
        query, count = query.where(Approval.shop_id.in_(shop_ids)), count.where(Approval.shop_id.in_(shop_ids))
    if status is not None:
        query, count = query.where(Approval.status == status), count.where(Approval.status == status)
    rows = s.scalars(
        query.options(selectinload(Approval.case).options(*_LOADED))
        .order_by(Approval.asked_at, Approval.id)
        .limit(limit)
    )
    return list(rows), s.scalar(count) or 0


def queue_follow_ups(
    s: Session, f: CaseFilter, start: datetime | None, end: datetime, limit: int
) -> tuple[list[FollowUp], int]:
    """Open follow-ups of active cases due in [start, end) (from any time when ``start`` is None), soonest
    first, and how many in all."""
    where = [FollowUp.done_at.is_(None), FollowUp.due_at < end, Case.status.in_(ACTIVE)]
    if start is not None:
        where.append(FollowUp.due_at >= start)
    joined = _filtered(select(FollowUp).join(Case, FollowUp.case_id == Case.id), f).where(*where)
    total = s.scalar(
        _filtered(select(func.count(FollowUp.id)).join(Case, FollowUp.case_id == Case.id), f).where(*where)
    )
    rows = s.scalars(
        joined.options(selectinload(FollowUp.case).options(*_LOADED))
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(limit)
    )
    return list(rows), total or 0


def pending_approvals(s: Session, f: CaseFilter, limit: int) -> tuple[list[Approval], int]:
    where = (Approval.status == "pending",)
    base = _filtered(select(Approval).join(Case, Approval.case_id == Case.id), f).where(*where)
    total = s.scalar(
        _filtered(select(func.count(Approval.id)).join(Case, Approval.case_id == Case.id), f).where(*where)
    )
    rows = s.scalars(
        base.options(selectinload(Approval.case).options(*_LOADED))
        .order_by(Approval.asked_at, Approval.id)
        .limit(limit)
    )
    return list(rows), total or 0


def waiting_evidence(s: Session, f: CaseFilter, limit: int) -> tuple[list[Case], int]:
    """Active cases with requested evidence not all received, longest waiting first."""
    missing = (
        select(EvidenceItem.case_id)
        .where(EvidenceItem.received_at.is_(None), EvidenceItem.requested_at.is_not(None))
        .distinct()
        .subquery()
    )
    where = (Case.id.in_(select(missing.c.case_id)), Case.status.in_(ACTIVE))
    total = s.scalar(_filtered(select(func.count(Case.id)), f).where(*where))
    rows = s.scalars(
        _filtered(select(Case), f).where(*where).options(*_LOADED).order_by(Case.created_at, Case.id).limit(limit)
    )
    return list(rows), total or 0


@dataclass(frozen=True, slots=True)
class ShopFigures:
    """Per shop, what /metrics reports (app/scrape.py): active cases, follow-ups past due (as
    ``overdue_follow_ups`` counts them) and approvals waiting for a decision."""

    open_cases: dict[str, int]
    overdue_follow_ups: dict[str, int]
    waiting_approvals: dict[str, int]


def shop_figures(s: Session, now: datetime) -> ShopFigures:
    """Three grouped counts, each on an index (cases by shop and status, follow-ups by due time, approvals by
    shop and status)."""
    open_cases = s.execute(select(Case.shop_id, func.count()).where(Case.status.in_(ACTIVE)).group_by(Case.shop_id))
    overdue = s.execute(
        select(Case.shop_id, func.count(FollowUp.id))
        .join(Case, FollowUp.case_id == Case.id)
        .where(FollowUp.done_at.is_(None), FollowUp.due_at < now)
        .group_by(Case.shop_id)
    )
    waiting = s.execute(
        select(Approval.shop_id, func.count()).where(Approval.status == "pending").group_by(Approval.shop_id)
    )
    return ShopFigures(
        {shop: n for shop, n in open_cases},
        {shop: n for shop, n in overdue},
        {shop: n for shop, n in waiting},
    )
