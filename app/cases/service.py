"""The rules of case records. Functions take a Session and never commit: the caller's unit of work does.

Appending an event never touches the case row, so any number of agents can write to one case at once;
changing the case itself (status, remedy, assignee, assessment) checks the version the caller saw.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.cases import repository as repo
from app.cases.models import REMEDIES, Case, CaseEvent, EvidenceItem, FollowUp
from app.core.suggestion import CaseState
from app.errors import Conflict, FieldError, Forbidden, NotFound

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"waiting_buyer", "waiting_courier", "waiting_approval", "resolved"}),
    "waiting_buyer": frozenset({"open", "waiting_courier", "waiting_approval", "resolved"}),
    "waiting_courier": frozenset({"open", "waiting_buyer", "waiting_approval", "resolved"}),
    "waiting_approval": frozenset({"open", "waiting_buyer", "waiting_courier", "resolved"}),
    "resolved": frozenset({"closed", "open"}),  # reopening is a new chapter of the same case
    "closed": frozenset(),
}


def open_or_find(
    s: Session,
    *,
    shop_id: str,
    scope: tuple[str, ...] | None,
    intent: str,
    now: datetime,
    order_id: str | None = None,
    conversation_id: str | None = None,
    buyer_ref: str | None = None,
) -> tuple[Case, bool]:
    """The active case of the conversation or order for ``intent``, else a new one. ``scope`` is the shops the
    caller may touch (None: every shop); every route that opens or finds a case by its keys comes here, so
    this is where a shop outside the scope is refused."""
    if scope is not None and shop_id not in scope:
        raise Forbidden("此密钥不能代表这个店铺 this key may not act for that shop", code="shop_forbidden")
    found = repo.find_active(s, shop_id, intent, conversation_id, order_id)
    if found is not None:
        return found, False
    case = Case(
        shop_id=shop_id,
        intent=intent,
        order_id=order_id,
        conversation_id=conversation_id,
        buyer_ref=buyer_ref,
        status="open",
        created_at=now,
        updated_at=now,
    )
    s.add(case)
    s.flush()
    return case, True


def find_active(s: Session, shop_id: str, conversation_id: str | None, order_id: str | None) -> Case | None:
    """The latest case still being handled for the conversation (or order), whatever its intent."""
    return repo.find_active(s, shop_id, None, conversation_id, order_id)


def get(s: Session, case_id: int, shop_ids: tuple[str, ...] | None = None) -> Case:
    case = repo.get_case(s, case_id, shop_ids)
    if case is None:
        raise NotFound(f"没有这个案件 case {case_id} not found")
    return case


def add_event(
    s: Session,
    case: Case,
    type_: str,
    now: datetime,
    *,
    actor: str | None = None,
    script_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(case_id=case.id, type=type_, at=now, actor=actor, script_id=script_id, data=data or {})
    s.add(event)
    return event


def request_evidence(s: Session, case: Case, evidence_ids: list[str], now: datetime, actor: str | None = None) -> None:
    have = {item.evidence_id for item in case.evidence}
    new = [e for e in evidence_ids if e not in have]
    for evidence_id in new:
        case.evidence.append(EvidenceItem(evidence_id=evidence_id, requested_at=now))
    if new:
        add_event(s, case, "evidence_requested", now, actor=actor, data={"evidence": new})


def receive_evidence(
    s: Session, case: Case, evidence_id: str, now: datetime, by: str | None, via: str | None = None
) -> EvidenceItem:
    item = next((i for i in case.evidence if i.evidence_id == evidence_id), None)
    if item is None:
        item = EvidenceItem(evidence_id=evidence_id)
        case.evidence.append(item)
    if item.received_at is None:
        item.received_at, item.received_by = now, by
    data = {"evidence": evidence_id, **({"via": via} if via else {})}  # via: attachment | message (the buyer's)
    add_event(s, case, "evidence_received", now, actor=by, data=data)
    return item


def set_branch(s: Session, case: Case, branch: str, now: datetime) -> None:
    """The step the case is at now (a script id); not a change an agent has to see before writing."""
    repo.set_branch(s, case, branch, now)


def received_evidence(case: Case) -> frozenset[str]:
    return frozenset(i.evidence_id for i in case.evidence if i.received_at is not None)


def case_state(case: Case) -> CaseState:
    """What the engine's second phase needs to know of a case: every route that advises on a case builds it
    here, so that a new piece of case state reaches all of them."""
    return CaseState(received_evidence(case), case.assessment, case.created_at, branch=case.branch)


def set_follow_up(s: Session, case: Case, what: str, due_at: datetime, now: datetime, actor: str | None) -> FollowUp:
    follow_up = FollowUp(what=what, due_at=due_at)
    case.follow_ups.append(follow_up)
    s.flush()
    add_event(
        s,
        case,
        "follow_up_set",
        now,
        actor=actor,
        data={"follow_up_id": follow_up.id, "what": what, "due_at": due_at.isoformat()},
    )
    return follow_up


def complete_follow_up(
    s: Session, follow_up_id: int, now: datetime, by: str | None, shop_ids: tuple[str, ...] | None = None
) -> FollowUp:
    follow_up = repo.get_follow_up(s, follow_up_id)
    if follow_up is None or (shop_ids is not None and follow_up.case.shop_id not in shop_ids):
        raise NotFound(f"没有这个跟进 follow-up {follow_up_id} not found")
    if follow_up.done_at is not None:
        raise Conflict(
            f"跟进已完成 follow-up {follow_up_id} was done at {follow_up.done_at.isoformat()}", code="already_done"
        )
    follow_up.done_at, follow_up.done_by = now, by
    add_event(s, follow_up.case, "follow_up_done", now, actor=by, data={"follow_up_id": follow_up.id})
    return follow_up


def _check_version(case: Case, expected: int) -> None:
    if case.version != expected:
        raise Conflict(
            f"案件已被他人修改 case was changed by someone else: version {case.version}, you had {expected}",
            code="stale_version",
        )


def change_status(
    s: Session, case: Case, new: str, expected_version: int, now: datetime, actor: str | None, reason: str | None = None
) -> Case:
    _check_version(case, expected_version)
    if new not in TRANSITIONS[case.status]:
        allowed = ", ".join(sorted(TRANSITIONS[case.status])) or "none"
        raise Conflict(
            f"不能从 {case.status} 改为 {new} cannot go from '{case.status}' to '{new}' (allowed: {allowed})",
            code="illegal_transition",
        )
    old = case.status
    case.status, case.updated_at = new, now
    add_event(s, case, "status_changed", now, actor=actor, data={"from": old, "to": new, "reason": reason})
    return _flush(s, case)


def update(
    s: Session, case: Case, expected_version: int, now: datetime, actor: str | None, *, fields: dict[str, Any]
) -> Case:
    """Change remedy, amount, assignee or the agent's assessment; each change is also a timeline event."""
    _check_version(case, expected_version)
    if fields.get("remedy") is not None and fields["remedy"] not in REMEDIES:
        raise FieldError("body.remedy", "未知的处理方式 unknown remedy")
    changed = {}
    for name in ("remedy", "amount", "assignee", "assessment"):
        if name in fields and getattr(case, name) != fields[name]:
            changed[name] = fields[name]
            setattr(case, name, fields[name])
    if not changed:
        return case
    case.updated_at = now
    if "assessment" in changed:
        add_event(s, case, "assessment", now, actor=actor, data={"assessment": changed["assessment"]})
    rest = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in changed.items() if k != "assessment"}
    if rest:
        add_event(s, case, "action_done", now, actor=actor, data={"changed": rest})
    return _flush(s, case)


def _flush(s: Session, case: Case) -> Case:
    try:
        s.flush()
    except StaleDataError as exc:  # another writer committed between our read and our write
        raise Conflict(
            "案件已被他人修改 case was changed by someone else; reload and retry", code="stale_version"
        ) from exc
    return case


def check_range(start: datetime, end: datetime) -> None:
    """A report's range [start, end): zoned, so that a day boundary means the same in every shop's answer."""
    if start.tzinfo is None or end.tzinfo is None:
        raise FieldError("query.start", "时间必须带时区 start and end need a time zone")
    if end <= start:
        raise FieldError("query.end", "结束时间须晚于开始时间 end must be after start")


def latest_event(s: Session, case: Case, type_: str) -> CaseEvent | None:
    return repo.latest_events(s, [case.id], type_).get(case.id)


def choose_branch(s: Session, case: Case, script_id: str, now: datetime, actor: str | None, was: dict) -> None:
    """The agent's choice of script (found by searching): the case is at that step now, and the timeline says
    what the service had (the learning work reads these)."""
    intent, _, branch = script_id.partition(".")
    add_event(
        s,
        case,
        "script_chosen",
        now,
        actor=actor,
        script_id=script_id,
        data={"intent": intent, "branch": branch, "was": was},
    )
    repo.set_branch(s, case, script_id, now)
