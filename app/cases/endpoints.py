"""Case record routes: parse, call the service inside one unit of work, serialise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.auth.guard import case_shop, require
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.cases import repository as repo
from app.cases import service
from app.cases.deps import ERRORS, ShopQuery, database, evidence_names, now, policy_for, private, visible
from app.cases.schemas import (
    CaseList,
    CaseOpen,
    CaseOut,
    CasePatch,
    EventIn,
    EventOut,
    EvidenceReceivedIn,
    FollowUpDoneIn,
    FollowUpIn,
    FollowUpOut,
    OverdueList,
    StatusIn,
)
from app.cases.serialize import case_out, event_out, follow_up_out
from app.errors import FieldError
from app.http import idempotency
from app.http.fields import Moment

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

router = APIRouter(prefix="/v1", tags=["cases"])
Reader = Annotated[Principal, Depends(require(Permission.cases_read))]
Writer = Annotated[Principal, Depends(require(Permission.cases_write))]
PageSize = Annotated[int, Query(ge=1, le=100, description="at most 100 a page")]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
IdemKey = Annotated[
    str | None,
    Header(alias=idempotency.HEADER, min_length=1, max_length=idempotency.MAX_LENGTH, description="retry-safe POSTs"),
]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TIMELINE_PAGE = 500  # events a page: a whole case's timeline as the sidebar shows it, but never without end
TIMELINE_HEADERS = {
    "X-Total-Count": {"description": "events the case has in all", "schema": {"type": "integer"}},
    "Link": {"description": 'the next page, `<url>; rel="next"`, while there is one', "schema": {"type": "string"}},
}


def _respond(
    request: Request,
    principal: Principal,
    scope: str,
    key: str | None,
    body: BaseModel,
    handler: idempotency.Handler,
) -> JSONResponse:
    status, payload = idempotency.run(
        database(request), scope, key, body.model_dump_json(), now(), handler, owner=principal.key_id
    )
    return JSONResponse(private(principal, payload), status)


@router.post(
    "/cases",
    response_model=CaseOut,
    responses={**ERRORS, 201: {"model": CaseOut, "description": "新开的案件 opened"}},
    summary="打开或找到案件 Open or find the case (200 found, 201 opened)",
)
def open_case(body: CaseOpen, request: Request, principal: Writer, idempotency_key: IdemKey = None) -> JSONResponse:
    if body.order_id is None and body.conversation_id is None:
        raise FieldError("body.conversation_id", "需要订单号或会话号 give an order_id or a conversation_id")
    names = evidence_names(request)
    shop = case_shop(principal, body.shop_id)

    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        case, created = service.open_or_find(
            s,
            shop_id=shop,
            scope=principal.shop_scope,
            intent=body.intent,
            now=now(),
            order_id=body.order_id,
            conversation_id=body.conversation_id,
            buyer_ref=body.buyer_ref,
        )
        return (201 if created else 200), case_out(service.get(s, case.id), names)

    return _respond(request, principal, "open_case", idempotency_key, body, handler)


@router.get("/cases", response_model=CaseList, responses=ERRORS, summary="案件列表 List cases")
def list_cases(
    request: Request,
    principal: Reader,
    shop_id: ShopQuery = None,
    intent: str | None = None,
    status: str | None = None,
    assignee: str | None = None,
    active: bool = False,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> JSONResponse:
    f = repo.CaseFilter(visible(principal, shop_id), intent, status, assignee, active)
    names = evidence_names(request)
    with database(request).reading() as s:
        rows, total = repo.list_cases(s, f, page, page_size)
        return JSONResponse(
            private(
                principal,
                {
                    "cases": [case_out(c, names) for c in rows],
                    "page": {"page": page, "page_size": page_size, "total": total},
                },
            )
        )


@router.get("/cases/{case_id}", response_model=CaseOut, responses=ERRORS, summary="案件详情 One case")
def get_case(case_id: CaseId, request: Request, principal: Reader) -> JSONResponse:
    with database(request).reading() as s:
        return JSONResponse(
            private(principal, case_out(service.get(s, case_id, principal.shop_scope), evidence_names(request)))
        )


@router.get(
    "/cases/{case_id}/timeline",
    response_model=list[EventOut],
    responses={**ERRORS, 200: {"headers": TIMELINE_HEADERS, "description": "events, oldest first"}},
    summary="案件时间线 Timeline",
    description="按时间从早到晚,分页(默认每页 500 条);`X-Total-Count` 是事件总数,还有下一页时 `Link` 给出它。\n\n"
    "Events oldest first, a page at a time (500 by default, as many as a sidebar shows): `X-Total-Count` says "
    'how many the case has, and `Link: <…>; rel="next"` gives the next page while there is one.',
)
def timeline(
    case_id: CaseId,
    request: Request,
    principal: Reader,
    page: PageNo = 1,
    page_size: Annotated[int, Query(ge=1, le=TIMELINE_PAGE, description="at most 500 a page")] = TIMELINE_PAGE,
) -> JSONResponse:
    with database(request).reading() as s:
        service.get(s, case_id, principal.shop_scope)
        events = repo.timeline(s, case_id, (page - 1) * page_size, page_size)
        total = repo.count_events(s, case_id)
    headers = {"X-Total-Count": str(total)}
    if page * page_size < total:
        following = request.url.include_query_params(page=page + 1, page_size=page_size)
        headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    return JSONResponse(private(principal, [event_out(e) for e in events]), headers=headers)


@router.post(
    "/cases/{case_id}/events",
    response_model=EventOut,
    status_code=201,
    responses=ERRORS,
    summary="记录事件(备注、登记、操作…)Add an event",
)
def add_event(
    case_id: CaseId, body: EventIn, request: Request, principal: Writer, idempotency_key: IdemKey = None
) -> JSONResponse:
    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        event = service.add_event(
            s,
            service.get(s, case_id, principal.shop_scope),
            body.type,
            now(),
            actor=body.actor,
            script_id=body.script_id,
            data=body.data,
        )
        s.flush()
        return 201, event_out(event)

    return _respond(request, principal, f"event:{case_id}", idempotency_key, body, handler)


@router.post(
    "/cases/{case_id}/evidence/{evidence_id}/received",
    response_model=CaseOut,
    responses=ERRORS,
    summary="标记凭证已收到 Mark evidence received",
)
def evidence_received(
    case_id: CaseId,
    evidence_id: Annotated[str, Path(max_length=64)],
    body: EvidenceReceivedIn,
    request: Request,
    principal: Writer,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    names = evidence_names(request)
    if evidence_id not in names:
        raise FieldError("path.evidence_id", "未知的凭证 unknown evidence id", code="unknown_evidence")

    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        case = service.get(s, case_id, principal.shop_scope)
        service.receive_evidence(s, case, evidence_id, now(), body.by)
        s.flush()
        return 200, case_out(case, names)

    return _respond(request, principal, f"evidence:{case_id}:{evidence_id}", idempotency_key, body, handler)


@router.post(
    "/cases/{case_id}/follow-ups",
    response_model=FollowUpOut,
    status_code=201,
    responses=ERRORS,
    summary="设置跟进 Set a follow-up",
)
def set_follow_up(
    case_id: CaseId, body: FollowUpIn, request: Request, principal: Writer, idempotency_key: IdemKey = None
) -> JSONResponse:
    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        follow_up = service.set_follow_up(
            s, service.get(s, case_id, principal.shop_scope), body.what, body.due_at, now(), body.actor
        )
        return 201, follow_up_out(follow_up)

    return _respond(request, principal, f"follow_up:{case_id}", idempotency_key, body, handler)


@router.post(
    "/follow-ups/{follow_up_id}/done",
    response_model=FollowUpOut,
    responses=ERRORS,
    summary="完成跟进 Complete a follow-up",
)
def follow_up_done(
    follow_up_id: CaseId, body: FollowUpDoneIn, request: Request, principal: Writer, idempotency_key: IdemKey = None
) -> JSONResponse:
    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        return 200, follow_up_out(service.complete_follow_up(s, follow_up_id, now(), body.by, principal.shop_scope))

    return _respond(request, principal, f"follow_up_done:{follow_up_id}", idempotency_key, body, handler)


@router.get("/follow-ups/overdue", response_model=OverdueList, responses=ERRORS, summary="逾期跟进 Overdue follow-ups")
def overdue(
    request: Request,
    principal: Reader,
    shop_id: ShopQuery = None,
    intent: str | None = None,
    assignee: str | None = None,
    due_before: Moment | None = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> JSONResponse:
    f = repo.CaseFilter(visible(principal, shop_id), intent, None, assignee)
    names = evidence_names(request)
    with database(request).reading() as s:
        rows, total = repo.overdue_follow_ups(s, f, now(), due_before, page, page_size)
        return JSONResponse(
            private(
                principal,
                {
                    "follow_ups": [{"follow_up": follow_up_out(fu), "case": case_out(c, names)} for fu, c in rows],
                    "page": {"page": page, "page_size": page_size, "total": total},
                },
            )
        )


@router.post(
    "/cases/{case_id}/status",
    response_model=CaseOut,
    responses=ERRORS,
    summary="改变状态 Change status",
    description="审批待定时不能改为 resolved 或 closed: 409 `approval_pending`. "
    "While an approval is pending, `resolved` and `closed` are refused with 409 `approval_pending`.",
)
def change_status(
    case_id: CaseId, body: StatusIn, request: Request, principal: Writer, idempotency_key: IdemKey = None
) -> JSONResponse:
    names = evidence_names(request)

    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        case = service.get(s, case_id, principal.shop_scope)
        policy = policy_for(request, case.shop_id)
        case = service.change_status(s, case, body.status, body.version, now(), body.actor, body.reason, policy)
        return 200, case_out(case, names)

    return _respond(request, principal, f"status:{case_id}", idempotency_key, body, handler)


@router.patch(
    "/cases/{case_id}",
    response_model=CaseOut,
    responses=ERRORS,
    summary="修改处理方式、金额、负责人、判断 Update a case",
    description=(
        "金额超出客服权限(店铺政策按意图:默认 5–30 元,质量问题 5–8 元)时不记为金额,而是向店长申请:"
        "案件进入 waiting_approval,`approval` 为待审批,审批前不能结案 (409 approval_pending)。\n\n"
        "An `amount` above the agent's range for the case's intent (a `compensate` or `partial_refund` remedy, "
        "or none named yet) is not recorded: an approval is opened, the case waits in `waiting_approval` and "
        "cannot be resolved or closed until the approver decides (`POST /v1/approvals/{id}/decision`). "
        "Changing remedy or amount while one is pending is a 409 `approval_pending`."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "within": {
                            "summary": "客服权限内 within the range",
                            "value": {"version": 3, "remedy": "compensate", "amount": "20"},
                        },
                        "over": {
                            "summary": "超出权限,申请店长 asks the 店长",
                            "value": {"version": 3, "remedy": "compensate", "amount": "50", "actor": "小王"},
                        },
                    }
                }
            }
        }
    },
)
def patch_case(case_id: CaseId, body: CasePatch, request: Request, principal: Writer) -> JSONResponse:
    names = evidence_names(request)
    fields = body.model_dump(exclude_unset=True, exclude={"version", "actor"})
    with database(request).unit_of_work() as s:
        case = service.get(s, case_id, principal.shop_scope)
        case = service.update(
            s, case, body.version, now(), body.actor, fields=fields, policy=policy_for(request, case.shop_id)
        )
        return JSONResponse(private(principal, case_out(case, names)))
