"""Case record routes: parse, call the service inside one unit of work, serialise."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from app.api.fields import Moment
from app.api.schemas import ErrorResponse
from app.auth.guard import case_shop, require, shop_for
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.cases import idempotency, service
from app.cases import repository as repo
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
    StatsOut,
    StatusIn,
)
from app.cases.serialize import REGISTER_COLUMNS, case_out, event_out, follow_up_out, register_row
from app.core.engine import SHOP_TZ
from app.core.privacy import mask_value
from app.db.session import Database
from app.errors import FieldError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_T = TypeVar("_T")
router = APIRouter(prefix="/v1", tags=["cases"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
    409: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
    429: {"model": ErrorResponse},
}
Reader = Annotated[Principal, Depends(require(Permission.cases_read))]
Writer = Annotated[Principal, Depends(require(Permission.cases_write))]
Exporter = Annotated[Principal, Depends(require(Permission.export))]
StatsReader = Annotated[Principal, Depends(require(Permission.stats))]
PageSize = Annotated[int, Query(ge=1, le=100, description="at most 100 a page")]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
IdemKey = Annotated[
    str | None, Header(alias=idempotency.HEADER, max_length=idempotency.MAX_LENGTH, description="retry-safe POSTs")
]
ShopQuery = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NO_STORE = {"Cache-Control": "no-store"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _visible(principal: Principal, shop_id: str | None) -> tuple[str, ...] | None:
    """Shops a listing covers: the one asked for (if this key may), else all of the key's shops."""
    return principal.visible_shops(shop_for(principal, shop_id) if shop_id is not None else None)


def _csv_safe(row: list[str]) -> list[str]:
    """A buyer's note starting with = would run as a formula in Excel (CSV injection): quote it as text."""
    return ["'" + cell if cell.startswith(_FORMULA) else cell for cell in row]


def _db(request: Request) -> Database:
    return request.app.state.database


def _names(request: Request) -> dict[str, str]:
    return dict(request.app.state.content.engine.catalog.vocabulary.evidence)


def _now() -> datetime:
    return datetime.now(SHOP_TZ)


def _private(principal: Principal, payload: _T) -> _T:
    """Buyers' phones, ID numbers and addresses in clear only for roles that handle the buyer."""
    return payload if principal.can(Permission.personal_data) else cast(_T, mask_value(payload))  # same shape


def _respond(
    request: Request,
    principal: Principal,
    scope: str,
    key: str | None,
    body: BaseModel,
    handler: idempotency.Handler,
) -> JSONResponse:
    status, payload = idempotency.run(
        _db(request), scope, key, body.model_dump_json(), _now(), handler, owner=principal.key_id
    )
    return JSONResponse(_private(principal, payload), status)


@router.post(
    "/cases",
    response_model=CaseOut,
    responses={**_ERRORS, 201: {"model": CaseOut, "description": "新开的案件 opened"}},
    summary="打开或找到案件 Open or find the case (200 found, 201 opened)",
)
def open_case(body: CaseOpen, request: Request, principal: Writer, idempotency_key: IdemKey = None) -> JSONResponse:
    if body.order_id is None and body.conversation_id is None:
        raise FieldError("body.conversation_id", "需要订单号或会话号 give an order_id or a conversation_id")
    names = _names(request)
    shop = case_shop(principal, body.shop_id)

    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        case, created = service.open_or_find(
            s,
            shop_id=shop,
            scope=principal.shop_scope,
            intent=body.intent,
            now=_now(),
            order_id=body.order_id,
            conversation_id=body.conversation_id,
            buyer_ref=body.buyer_ref,
        )
        return (201 if created else 200), case_out(service.get(s, case.id), names)

    return _respond(request, principal, "open_case", idempotency_key, body, handler)


@router.get("/cases", response_model=CaseList, responses=_ERRORS, summary="案件列表 List cases")
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
    f = repo.CaseFilter(_visible(principal, shop_id), intent, status, assignee, active)
    names = _names(request)
    with _db(request).unit_of_work() as s:
        rows, total = repo.list_cases(s, f, page, page_size)
        return JSONResponse(
            _private(
                principal,
                {
                    "cases": [case_out(c, names) for c in rows],
                    "page": {"page": page, "page_size": page_size, "total": total},
                },
            )
        )


@router.get("/cases/{case_id}", response_model=CaseOut, responses=_ERRORS, summary="案件详情 One case")
def get_case(case_id: CaseId, request: Request, principal: Reader) -> JSONResponse:
    with _db(request).unit_of_work() as s:
        return JSONResponse(
            _private(principal, case_out(service.get(s, case_id, principal.shop_scope), _names(request)))
        )


@router.get(
    "/cases/{case_id}/timeline", response_model=list[EventOut], responses=_ERRORS, summary="案件时间线 Timeline"
)
def timeline(case_id: CaseId, request: Request, principal: Reader) -> JSONResponse:
    with _db(request).unit_of_work() as s:
        service.get(s, case_id, principal.shop_scope)
        return JSONResponse(_private(principal, [event_out(e) for e in repo.timeline(s, case_id)]))


@router.post(
    "/cases/{case_id}/events",
    response_model=EventOut,
    status_code=201,
    responses=_ERRORS,
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
            _now(),
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
    responses=_ERRORS,
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
    names = _names(request)
    if evidence_id not in names:
        raise FieldError("path.evidence_id", "未知的凭证 unknown evidence id", code="unknown_evidence")

    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        case = service.get(s, case_id, principal.shop_scope)
        service.receive_evidence(s, case, evidence_id, _now(), body.by)
        s.flush()
        return 200, case_out(case, names)

    return _respond(request, principal, f"evidence:{case_id}:{evidence_id}", idempotency_key, body, handler)


@router.post(
    "/cases/{case_id}/follow-ups",
    response_model=FollowUpOut,
    status_code=201,
    responses=_ERRORS,
    summary="设置跟进 Set a follow-up",
)
def set_follow_up(
    case_id: CaseId, body: FollowUpIn, request: Request, principal: Writer, idempotency_key: IdemKey = None
) -> JSONResponse:
    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        follow_up = service.set_follow_up(
            s, service.get(s, case_id, principal.shop_scope), body.what, body.due_at, _now(), body.actor
        )
        return 201, follow_up_out(follow_up)

    return _respond(request, principal, f"follow_up:{case_id}", idempotency_key, body, handler)


@router.post(
    "/follow-ups/{follow_up_id}/done",
    response_model=FollowUpOut,
    responses=_ERRORS,
    summary="完成跟进 Complete a follow-up",
)
def follow_up_done(
    follow_up_id: CaseId, body: FollowUpDoneIn, request: Request, principal: Writer, idempotency_key: IdemKey = None
) -> JSONResponse:
    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        return 200, follow_up_out(service.complete_follow_up(s, follow_up_id, _now(), body.by, principal.shop_scope))

    return _respond(request, principal, f"follow_up_done:{follow_up_id}", idempotency_key, body, handler)


@router.get("/follow-ups/overdue", response_model=OverdueList, responses=_ERRORS, summary="逾期跟进 Overdue follow-ups")
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
    f = repo.CaseFilter(_visible(principal, shop_id), intent, None, assignee)
    names = _names(request)
    with _db(request).unit_of_work() as s:
        rows, total = repo.overdue_follow_ups(s, f, _now(), due_before, page, page_size)
        return JSONResponse(
            _private(
                principal,
                {
                    "follow_ups": [{"follow_up": follow_up_out(fu), "case": case_out(c, names)} for fu, c in rows],
                    "page": {"page": page, "page_size": page_size, "total": total},
                },
            )
        )


@router.post("/cases/{case_id}/status", response_model=CaseOut, responses=_ERRORS, summary="改变状态 Change status")
def change_status(
    case_id: CaseId, body: StatusIn, request: Request, principal: Writer, idempotency_key: IdemKey = None
) -> JSONResponse:
    names = _names(request)

    def handler(s: Session) -> tuple[int, dict[str, Any]]:
        case = service.change_status(
            s, service.get(s, case_id, principal.shop_scope), body.status, body.version, _now(), body.actor, body.reason
        )
        return 200, case_out(case, names)

    return _respond(request, principal, f"status:{case_id}", idempotency_key, body, handler)


@router.patch(
    "/cases/{case_id}",
    response_model=CaseOut,
    responses=_ERRORS,
    summary="修改处理方式、金额、负责人、判断 Update a case",
)
def patch_case(case_id: CaseId, body: CasePatch, request: Request, principal: Writer) -> JSONResponse:
    names = _names(request)
    fields = body.model_dump(exclude_unset=True, exclude={"version", "actor"})
    with _db(request).unit_of_work() as s:
        case = service.update(
            s, service.get(s, case_id, principal.shop_scope), body.version, _now(), body.actor, fields=fields
        )
        return JSONResponse(_private(principal, case_out(case, names)))


def _range(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise FieldError("query.start", "时间必须带时区 start and end need a time zone")
    if end <= start:
        raise FieldError("query.end", "结束时间须晚于开始时间 end must be after start")


def _register_rows(
    request: Request, principal: Principal, shop_id: str | None, start: datetime, end: datetime
) -> list[list[str]]:
    _range(start, end)
    engine = request.app.state.content.engine
    intent_names = {i.id: i.name for i in engine.catalog.intents.values()}
    with _db(request).unit_of_work() as s:
        cases = repo.cases_created_between(s, _visible(principal, shop_id), start, end)
        notes = repo.latest_events(s, [c.id for c in cases], "note")
        rows = [register_row(c, intent_names, _names(request), notes.get(c.id)) for c in cases]
        return _private(principal, rows)


@router.get(
    "/register.csv",
    responses={**_ERRORS, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    response_class=Response,
    summary="导出登记表格 CSV",
)
def register_csv(
    request: Request, principal: Exporter, start: Moment, end: Moment, shop_id: ShopQuery = None
) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REGISTER_COLUMNS)
    writer.writerows(_csv_safe(row) for row in _register_rows(request, principal, shop_id, start, end))
    # The BOM lets Excel open the UTF-8 file with its Chinese intact.
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="register.csv"', **NO_STORE},
    )


@router.get(
    "/register.xlsx",
    responses={**_ERRORS, 200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
    response_class=Response,
    summary="导出登记表格 XLSX",
)
def register_xlsx(
    request: Request, principal: Exporter, start: Moment, end: Moment, shop_id: ShopQuery = None
) -> Response:
    from openpyxl import Workbook

    rows = _register_rows(request, principal, shop_id, start, end)  # first: a bad range must not leave a half-made book
    book = Workbook(write_only=True)
    sheet = book.create_sheet("登记表格")
    sheet.append(list(REGISTER_COLUMNS))
    for row in rows:
        sheet.append(_csv_safe(row))
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="register.xlsx"', **NO_STORE},
    )


@router.get("/stats", response_model=StatsOut, responses=_ERRORS, summary="话术采用统计 Script adoption")
def stats(
    request: Request, principal: StatsReader, start: Moment, end: Moment, shop_id: ShopQuery = None
) -> JSONResponse:
    _range(start, end)
    kinds = {
        "suggestion_shown": "shown",
        "script_used": "used",
        "script_edited": "edited",
        "script_rejected": "rejected",
    }
    by_script: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(kinds.values(), 0))
    by_intent: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(kinds.values(), 0))
    with _db(request).unit_of_work() as s:
        for event, case in repo.events_between(s, _visible(principal, shop_id), start, end, tuple(kinds)):
            kind = kinds[event.type]
            by_intent[case.intent][kind] += 1
            if event.script_id:
                by_script[event.script_id][kind] += 1
    return JSONResponse(
        {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "by_intent": by_intent,
            "by_script": [{"script_id": k, "intent": k.split(".")[0], **v} for k, v in sorted(by_script.items())],
        }
    )
