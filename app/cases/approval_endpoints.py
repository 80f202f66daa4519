"""The approver's routes and the team's queue: amounts above the agents' range waiting for the 店长, and what
a team has to act on now (overdue and due-soon follow-ups, approvals, cases waiting for evidence). A router
of its own, included after the case routes."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse

from app.auth.guard import require
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.cases import repository as repo
from app.cases import service
from app.cases.deps import ERRORS, ShopQuery, database, evidence_names, now, private, visible
from app.cases.schemas import ApprovalList, Decided, DecisionIn, QueueOut
from app.cases.serialize import approval_out, case_out, follow_up_out
from app.http import idempotency

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

router = APIRouter(prefix="/v1", tags=["approvals"])
Approver = Annotated[Principal, Depends(require(Permission.approve))]
Reader = Annotated[Principal, Depends(require(Permission.cases_read))]
ApprovalId = Annotated[int, Path(ge=1, le=2**31 - 1)]
IdemKey = Annotated[
    str | None, Header(alias=idempotency.HEADER, max_length=idempotency.MAX_LENGTH, description="retry-safe POSTs")
]
LIST_LIMIT = 100  # a queue list shows at most this many; its count is the full number


@router.get(
    "/approvals",
    response_model=ApprovalList,
    responses=ERRORS,
    summary="审批队列 Approvals (oldest first)",
    description="店长(supervisor)和管理员:待审批的金额,最早的在前,每条带案件和应答复时间 answer_by。\n\n"
    "For keys with the `approve` permission (supervisor, admin): approvals of the key's shops, oldest first, "
    "each with its case.",
)
def list_approvals(
    request: Request,
    principal: Approver,
    shop_id: ShopQuery = None,
    status: Literal["pending", "approved", "rejected"] | None = "pending",
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT)] = LIST_LIMIT,
) -> JSONResponse:
    shops = visible(principal, shop_id)
    names = evidence_names(request)
    with database(request).reading() as s:
        rows, total = repo.approvals(s, shops, status, limit)
        items = [{"approval": approval_out(a), "case": case_out(a.case, names)} for a in rows]
        return JSONResponse(private(principal, {"approvals": items, "total": total}))


@router.post(
    "/approvals/{approval_id}/decision",
    response_model=Decided,
    responses=ERRORS,
    summary="批准或驳回 Approve or reject",
    description="批准:金额记为案件金额,案件回到 open,时间线 approval_given;驳回:清除金额,回到 open,"
    "approval_rejected。已决定的再决定:409 `already_decided`。\n\n"
    "Approve: the amount becomes the case's, the case goes back to `open`, event `approval_given`. Reject: the "
    "case keeps no amount, back to `open`, event `approval_rejected`. Deciding twice is a 409 `already_decided`.",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "approve": {"summary": "批准 approve", "value": {"decision": "approve", "by": "店长"}},
                        "reject": {
                            "summary": "驳回 reject",
                            "value": {"decision": "reject", "reason": "先换货", "by": "店长"},
                        },
                    }
                }
            }
        }
    },
)
def decide(
    approval_id: ApprovalId, body: DecisionIn, request: Request, principal: Approver, idempotency_key: IdemKey = None
) -> JSONResponse:
    names = evidence_names(request)

    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        # Who decided: the name given, else the key (an approval is never anonymous on the timeline).
        by = body.by or f"key:{principal.key_id}"
        approval = service.decide(s, approval_id, body.decision, now(), by, body.reason, principal.shop_scope)
        return 200, {"approval": approval_out(approval), "case": case_out(approval.case, names)}

    status, payload = idempotency.run(
        database(request),
        f"decision:{approval_id}",
        idempotency_key,
        body.model_dump_json(),
        now(),
        handler,
        owner=principal.key_id,
    )
    return JSONResponse(private(principal, payload), status)


@router.get(
    "/queue",
    response_model=QueueOut,
    responses=ERRORS,
    summary="团队待办 The team's queue",
    description="逾期和即将到期的跟进、待店长审批、等买家凭证的案件,带总数;按店铺、意图、负责人筛选。\n\n"
    "Overdue follow-ups, follow-ups due within `due_within_hours`, approvals waiting for the approver and active "
    "cases waiting for requested evidence, with counts (each list shows at most 100, soonest or oldest first); "
    "filtered by shop (within the key's shops), intent and assignee.",
)
def queue(
    request: Request,
    principal: Reader,
    shop_id: ShopQuery = None,
    intent: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[str | None, Query(max_length=64)] = None,
    due_within_hours: Annotated[float, Query(gt=0, le=24 * 30)] = 4,
) -> JSONResponse:
    f = repo.CaseFilter(visible(principal, shop_id), intent or None, None, assignee or None)
    names = evidence_names(request)
    at = now()
    with database(request).reading() as s:
        overdue, n_overdue = repo.queue_follow_ups(s, f, None, at, LIST_LIMIT)
        soon, n_soon = repo.queue_follow_ups(s, f, at, at + timedelta(hours=due_within_hours), LIST_LIMIT)
        approvals, n_approvals = repo.pending_approvals(s, f, LIST_LIMIT)
        waiting, n_waiting = repo.waiting_evidence(s, f, LIST_LIMIT)
        payload = {
            "counts": {
                "overdue": n_overdue,
                "due_soon": n_soon,
                "waiting_approval": n_approvals,
                "waiting_evidence": n_waiting,
            },
            "overdue": [{"follow_up": follow_up_out(x), "case": case_out(x.case, names)} for x in overdue],
            "due_soon": [{"follow_up": follow_up_out(x), "case": case_out(x.case, names)} for x in soon],
            "waiting_approval": [{"approval": approval_out(a), "case": case_out(a.case, names)} for a in approvals],
            "waiting_evidence": [
                {
                    "case": case_out(c, names),
                    "missing": [
                        e
                        for e in case_out(c, names)["evidence"]
                        if e["received_at"] is None and e["requested_at"] is not None
                    ],
                }
                for c in waiting
            ],
        }
        return JSONResponse(private(principal, payload))
