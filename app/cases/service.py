"""The rules of case records. Functions take a Session and never commit: the caller's unit of work does.

Appending an event never touches the case row, so any number of agents can write to one case at once;
changing the case itself (status, remedy, assignee, assessment) checks the version the caller saw.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.cases import repository as repo
from app.cases.models import MONEY_REMEDIES, REMEDIES, Approval, Case, CaseEvent, EvidenceItem, FollowUp
from app.core.content.policy import Policy, compensation_range
from app.core.situation import Deadline
from app.core.suggestion import CaseState
from app.errors import Conflict, FieldError, Forbidden, NotFound
from app.integrations.outbound import outbox

FINAL = frozenset({"resolved", "closed"})  # what a pending approval holds a case back from

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
    outbox.case_opened(s, case, now)  # in this transaction: no event for a case that is rolled back
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
    """``via``: how it came when no agent ticked it ("attachment": the buyer's picture; "message": their words)."""
    item = next((i for i in case.evidence if i.evidence_id == evidence_id), None)
    if item is None:
        item = EvidenceItem(evidence_id=evidence_id)
        case.evidence.append(item)
    if item.received_at is None:
        item.received_at, item.received_by = now, by
    data = {"evidence": evidence_id, **({"via": via} if via else {})}
    add_event(s, case, "evidence_received", now, actor=by, data=data)
    return item


def waiting_evidence(case: Case) -> frozenset[str]:
    """The evidence the case asked for and has not received."""
    return frozenset(i.evidence_id for i in case.evidence if i.requested_at is not None and i.received_at is None)


def latest_agreement(s: Session, case: Case) -> CaseEvent | None:
    """The buyer's latest agreement on the case (its data names the step that proposed the remedy)."""
    return repo.latest_of(s, case.id, ("remedy_agreed",))


def take_reply(
    s: Session,
    case: Case,
    now: datetime,
    *,
    evidence: frozenset[str],
    via: str,
    agreed: bool,
    remedy: str | None,
    branch: str | None = None,
) -> None:
    """What the buyer's message did to the case (app.core.replies): evidence it brought, and their yes to the
    remedy proposed, which becomes the case's remedy when it names one and the case has none yet."""
    for evidence_id in sorted(evidence):
        receive_evidence(s, case, evidence_id, now, None, via=via)
    if not agreed:
        return
    add_event(s, case, "remedy_agreed", now, data={"remedy": remedy, "branch": branch})
    if remedy is not None and case.remedy is None:
        case.remedy, case.updated_at = remedy, now
        _flush(s, case)


def set_branch(s: Session, case: Case, branch: str, now: datetime) -> None:
    """The step the case is at now (a script id); not a change an agent has to see before writing."""
    repo.set_branch(s, case, branch, now)


def received_evidence(case: Case) -> frozenset[str]:
    return frozenset(i.evidence_id for i in case.evidence if i.received_at is not None)


def latest_approval(case: Case) -> Approval | None:
    return case.approvals[-1] if case.approvals else None


def case_state(case: Case) -> CaseState:
    """What the engine's second phase needs to know of a case: every route that advises on a case builds it
    here, so that a new piece of case state reaches all of them."""
    approval = latest_approval(case)
    status = approval.status if approval is not None else None
    return CaseState(
        received_evidence(case),
        case.assessment,
        case.created_at,
        remedy=case.remedy,
        amount=case.amount,
        approval=status,
        asked=approval.amount if approval is not None and status == "pending" else None,
    )


def set_follow_up(
    s: Session,
    case: Case,
    what: str,
    due_at: datetime,
    now: datetime,
    actor: str | None,
    *,
    kind: str | None = None,
    source: str | None = None,
) -> FollowUp:
    """A follow-up on ``case``; ``kind`` and ``source`` (the script id) when a script's deadline promised it."""
    follow_up = FollowUp(what=what, due_at=due_at, kind=kind, source=source)
    case.follow_ups.append(follow_up)
    s.flush()
    data = {
        "follow_up_id": follow_up.id,
        **({"kind": kind} if kind else {}),
        "what": what,
        "due_at": due_at.isoformat(),
    }
    add_event(s, case, "follow_up_set", now, actor=actor, script_id=source, data=data)
    return follow_up


def promise_follow_ups(
    s: Session, case: Case, deadlines: list[Deadline], script_id: str, now: datetime
) -> list[FollowUp]:
    """Each deadline a script shown on ``case`` promised becomes one follow-up of its kind: while one of that
    kind is open a new one is not added (a different due time moves it), and a promise already kept (done)
    for the same script is not made again. Returns the follow-ups added or moved."""
    touched = []
    for d in deadlines:
        kind = str(d.kind)
        open_ = next((f for f in case.follow_ups if f.kind == kind and f.done_at is None), None)
        if open_ is not None:
            if open_.due_at != d.due_at:
                was = open_.due_at
                open_.due_at, open_.source = d.due_at, script_id
                add_event(
                    s,
                    case,
                    "follow_up_set",
                    now,
                    script_id=script_id,
                    data={
                        "follow_up_id": open_.id,
                        "kind": kind,
                        "what": open_.what,
                        "due_at": d.due_at.isoformat(),
                        "was": was.isoformat(),
                    },
                )
                touched.append(open_)
            continue
        if any(f.kind == kind and f.source == script_id for f in case.follow_ups):
            continue  # this script's promise was kept already
        touched.append(set_follow_up(s, case, d.why[:500], d.due_at, now, None, kind=kind, source=script_id))
    return touched


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


def refuse_while_pending(case: Case, new_status: str, policy: Policy | None = None) -> None:
    """Every way a case can become resolved or closed passes here: not while the 店长 has an amount to decide,
    nor (with ``policy``) with an amount on record above the range that nobody approved (recorded before the
    shop lowered its range, or before approvals existed)."""
    if new_status not in FINAL:
        return
    approval = latest_approval(case)
    if approval is not None and approval.status == "pending":
        raise Conflict(
            f"等待{approval.amount:f}元的审批,审批前不能结案 approval {approval.id} for {approval.amount:f} is "
            f"pending: the case cannot be {new_status} before the approver decides",
            code="approval_pending",
        )
    if policy is not None and case.amount is not None and _over_range(case, {}, policy) is not None:
        raise Conflict(
            f"{case.amount:f}元超出客服权限且未经审批,请先申请 {case.amount:f} is above the agent's range and was "
            f"never approved: ask for it (PATCH the amount) before the case is {new_status}",
            code="approval_required",
        )


def change_status(
    s: Session,
    case: Case,
    new: str,
    expected_version: int,
    now: datetime,
    actor: str | None,
    reason: str | None = None,
    policy: Policy | None = None,
) -> Case:
    _check_version(case, expected_version)
    refuse_while_pending(case, new, policy)
    if new not in TRANSITIONS[case.status]:
        allowed = ", ".join(sorted(TRANSITIONS[case.status])) or "none"
        raise Conflict(
            f"不能从 {case.status} 改为 {new} cannot go from '{case.status}' to '{new}' (allowed: {allowed})",
            code="illegal_transition",
        )
    old = case.status
    case.status, case.updated_at = new, now
    add_event(s, case, "status_changed", now, actor=actor, data={"from": old, "to": new, "reason": reason})
    _flush(s, case)
    outbox.case_finished(s, case, now)
    return case


def update(
    s: Session,
    case: Case,
    expected_version: int,
    now: datetime,
    actor: str | None,
    *,
    fields: dict[str, Any],
    policy: Policy | None = None,
) -> Case:
    """Change remedy, amount, assignee or the agent's assessment; each change is also a timeline event.
    An amount above the agent's range for the case's intent (``policy``) is not recorded: it is asked of the
    approver (see :func:`ask_approval`), and the case waits for the decision."""
    _check_version(case, expected_version)
    if fields.get("remedy") is not None and fields["remedy"] not in REMEDIES:
        raise FieldError("body.remedy", "未知的处理方式 unknown remedy")
    if policy is not None and ("amount" in fields or "remedy" in fields):
        asked = _over_range(case, fields, policy)
        if asked is not None:
            return ask_approval(s, case, asked, fields, policy, now, actor)
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


def _over_range(case: Case, fields: dict[str, Any], policy: Policy) -> Decimal | None:
    """The amount that needs the approver, if the change asks for one: a money remedy (or none named yet)
    whose amount is above the intent's range and above what the approver already granted on this case."""
    approval = latest_approval(case)
    if approval is not None and approval.status == "pending" and ({"amount", "remedy"} & fields.keys()):
        raise Conflict(
            f"等待{approval.amount:f}元的审批,审批前不能改处理方式或金额 approval {approval.id} is pending: "
            "remedy and amount wait for the decision",
            code="approval_pending",
        )
    remedy = fields["remedy"] if "remedy" in fields else case.remedy
    amount = fields["amount"] if "amount" in fields else case.amount
    if amount is None or (remedy is not None and remedy not in MONEY_REMEDIES):
        return None
    _, high = compensation_range(policy, case.intent)
    if amount <= high:
        return None
    if approval is not None and approval.status == "approved" and amount <= approval.amount:
        return None  # within what the approver granted
    return Decimal(amount)


def ask_approval(
    s: Session,
    case: Case,
    amount: Decimal,
    fields: dict[str, Any],
    policy: Policy,
    now: datetime,
    actor: str | None,
) -> Case:
    """Open an approval for ``amount``: the case's amount is cleared (never an un-approved one on record), its
    other changes kept, and it waits in ``waiting_approval`` until the approver decides."""
    if case.status in FINAL:
        raise Conflict(
            f"案件已{case.status},不能再申请金额 the case is {case.status}: reopen it before asking for an amount",
            code="illegal_transition",
        )
    remedy = fields["remedy"] if "remedy" in fields else case.remedy
    answer_by = now + timedelta(minutes=policy.response_minutes.supervisor_approval)
    approval = Approval(
        shop_id=case.shop_id,
        amount=amount,
        remedy=remedy,
        asked_by=actor,
        asked_at=now,
        answer_by=answer_by,
        status="pending",
    )
    case.approvals.append(approval)
    for name in ("remedy", "assignee", "assessment"):
        if name in fields:
            setattr(case, name, fields[name])
    if "assessment" in fields:
        add_event(s, case, "assessment", now, actor=actor, data={"assessment": fields["assessment"]})
    case.amount = None
    old = case.status
    case.status, case.updated_at = "waiting_approval", now
    s.flush()
    _, high = compensation_range(policy, case.intent)
    add_event(
        s,
        case,
        "approval_asked",
        now,
        actor=actor,
        data={
            "approval_id": approval.id,
            "amount": f"{amount:f}",
            "remedy": remedy,
            "agent_max": f"{high:f}",
            "approver": policy.compensation.approver,
            "answer_by": answer_by.isoformat(),
        },
    )
    if old != "waiting_approval":
        add_event(s, case, "status_changed", now, actor=actor, data={"from": old, "to": "waiting_approval"})
    _flush(s, case)
    outbox.approval_needed(s, approval, now)
    return case


def decide(
    s: Session,
    approval_id: int,
    decision: str,
    now: datetime,
    by: str | None,
    reason: str | None,
    shop_ids: tuple[str, ...] | None = None,
) -> Approval:
    """The approver's answer. Approve: the amount becomes the case's; reject: the case keeps no amount. Either
    way the case goes back to ``open`` if it was waiting for this, and the decision is on its timeline."""
    approval = repo.get_approval(s, approval_id, shop_ids)
    if approval is None:
        raise NotFound(f"没有这个审批 approval {approval_id} not found")
    if approval.status != "pending":
        raise Conflict(
            f"审批已{'批准' if approval.status == 'approved' else '驳回'} approval {approval_id} was already "
            f"{approval.status}",
            code="already_decided",
        )
    case = approval.case
    approval.status = "approved" if decision == "approve" else "rejected"
    approval.decided_by, approval.decided_at, approval.reason = by, now, reason
    if approval.status == "approved":
        case.amount = approval.amount
        if approval.remedy is not None:
            case.remedy = approval.remedy
    else:
        case.amount = None
    old = case.status
    if old == "waiting_approval":
        case.status = "open"
    case.updated_at = now
    s.flush()
    add_event(
        s,
        case,
        "approval_given" if approval.status == "approved" else "approval_rejected",
        now,
        actor=by,
        data={"approval_id": approval.id, "amount": f"{approval.amount:f}", "reason": reason},
    )
    if case.status != old:
        add_event(s, case, "status_changed", now, actor=by, data={"from": old, "to": case.status})
    _flush(s, case)
    outbox.approval_decided(s, approval, now)
    return approval


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
