"""Routes: parse, call the core, serialise. Nothing else belongs here."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from app.api import openapi
from app.api.body import header, json_body
from app.api.schemas import (
    ErrorResponse,
    Health,
    IntentsResponse,
    RefundQuoteRequest,
    RefundQuoteResponse,
    SuggestRequest,
    SuggestResponse,
)
from app.api.serialize import intents_out, suggestion_out
from app.auth.guard import admit, bearer_token, case_shop, require, shop_for
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.cases import idempotency
from app.cases.suggest import suggest_in_case
from app.core.engine import SHOP_TZ, Engine
from app.core.order import Item, Order, inconsistencies
from app.core.refund import Discount, NotCovered, QuoteItem, quote
from app.errors import FieldError, Forbidden

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("app.suggest")
router = APIRouter()
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 413, 422, 429)
}
Suggester = Annotated[Principal, Depends(require(Permission.suggest))]


def _engine(request: Request) -> Engine:
    return request.app.state.content.engine  # read once per request: a reload swaps it between requests


@router.post(
    "/v1/suggest",
    responses={200: {"model": SuggestResponse}, **_ERRORS},
    tags=["suggest"],
    summary="为一条买家消息给出意图、话术、凭证与操作 Suggest for one buyer message",
    openapi_extra=openapi.operation(SuggestRequest, headers={idempotency.HEADER: idempotency.MAX_LENGTH}),
)
async def suggest(request: Request) -> Response:
    # Called for every buyer message, so it reads its key and body itself (see app/api/body.py) rather
    # than through FastAPI's dependencies, which cost more than the matching. Async: matching is CPU
    # only, cheaper on the event loop than a thread hop; the case-aware path goes to the thread pool.
    principal = admit(request, Permission.suggest, bearer_token(request))
    body = await json_body(request, SuggestRequest)
    idempotency_key = header(request, idempotency.HEADER, idempotency.MAX_LENGTH)
    engine = _engine(request)
    shop = shop_for(principal, body.shop_id)
    unknown = [i for i, e in enumerate(body.evidence_received) if e not in engine.catalog.vocabulary.evidence]
    if unknown:  # named by position: an error never echoes what the client sent (it may be personal data)
        raise FieldError.many(
            [(f"body.evidence_received.{i}", "未知的凭证 unknown evidence id; see GET /v1/intents") for i in unknown],
            code="unknown_evidence",
        )
    now = (body.now or datetime.now(SHOP_TZ)).astimezone(SHOP_TZ)
    order = _order(body)
    problems = inconsistencies(order, now)
    if problems:
        raise FieldError.many([(f"body.{p.field}", p.message) for p in problems], code="impossible_order")
    evidence = frozenset(body.evidence_received)
    if body.conversation_id is None and body.case_id is None:
        result = engine.suggest(
            body.message,
            order=order,
            evidence_received=evidence,
            assessment=body.assessment,
            shop_id=shop,
            proposed_compensation=body.proposed_compensation,
            now=now,
        )
        if log.isEnabledFor(logging.DEBUG):  # buyer text in a log line: masked by the formatter like every line
            log.debug(
                "suggest key=%s shop=%s message=%r -> %s",
                principal.key_id,
                shop,
                body.message,
                result.match.status.value,
            )
        return Response(orjson.dumps(suggestion_out(result)), media_type="application/json")
    if not principal.can(Permission.cases_write):
        raise Forbidden(
            f"此密钥的角色({principal.role.value})不能记录案件 role '{principal.role.value}' may not "
            "record on cases; leave out conversation_id and case_id"
        )
    # The cases' shop: a pinned case brings its own (its scope checked when it is read), else resolved here,
    # so a key for several shops that names none never writes into the shared default shop.
    cases_shop = None if body.case_id is not None else case_shop(principal, body.shop_id)

    def record(s: Session) -> tuple[int, dict[str, Any]]:
        result, refs = suggest_in_case(
            s,
            engine,
            body.message,
            now=now,
            shop_id=cases_shop,
            shop_ids=principal.shop_scope,
            conversation_id=body.conversation_id,
            case_id=body.case_id,
            order=order,
            order_id=body.order.id if body.order else None,
            evidence_received=evidence,
            assessment=body.assessment,
            proposed_compensation=body.proposed_compensation,
        )
        s.flush()
        log.debug(
            "suggest in case key=%s conversation=%s message=%r -> %s",
            principal.key_id,
            body.conversation_id,
            body.message,
            [r.case.id for r in refs],
        )
        cases = [
            {
                "id": r.case.id,
                "intent": r.case.intent,
                "status": r.case.status,
                "branch": r.case.branch,
                "version": r.case.version,
                "created": r.created,
            }
            for r in refs
        ]
        return 200, suggestion_out(result, cases)

    # A retried request (same Idempotency-Key and body) must not record the message on the case twice.
    status, payload = await run_in_threadpool(
        idempotency.run,
        request.app.state.database,
        "suggest",
        idempotency_key,
        body.model_dump_json(),
        now,
        record,
        principal.key_id,
    )
    return JSONResponse(payload, status)


def _order(body: SuggestRequest) -> Order:
    o = body.order
    if o is None:
        return Order()
    return Order(
        status=o.status,
        paid_at=o.paid_at,
        shipped_at=o.shipped_at,
        last_tracking_at=o.last_tracking_at,
        signed_at=o.signed_at,
        signed_by=o.signed_by,
        shipping_insurance=o.shipping_insurance,
        amount=o.amount,
        items=tuple(Item(i.price, i.quantity, i.id, i.name) for i in o.items),
        coupons=tuple(o.coupons),
    )


@router.post(
    "/v1/refund-quote",
    responses={200: {"model": RefundQuoteResponse}, **_ERRORS},
    tags=["suggest"],
    summary="部分退款最大可退金额 Maximum refund for part of an order",
)
async def refund_quote(body: RefundQuoteRequest, _: Suggester) -> JSONResponse:
    try:
        q = quote(
            [QuoteItem(i.id, i.price, i.quantity) for i in body.items],
            body.postage,
            [Discount(d.type, d.amount) for d in body.discounts],
            body.refund_items,
        )
    except NotCovered as exc:
        raise FieldError(f"body.{exc.field}", str(exc), code="not_covered") from exc
    return JSONResponse({"max_refund": f"{q.max_refund:.2f}", "rule": q.rule, "explanation": q.explanation})


@router.get(
    "/v1/intents",
    response_model=IntentsResponse,
    tags=["content"],
    summary="全部意图及其话术分支 Intents with their flow branches",
)
async def intents(request: Request, _: Suggester) -> JSONResponse:
    return JSONResponse(intents_out(_engine(request)))


@router.get("/healthz", response_model=Health, tags=["ops"], summary="存活检查 Liveness")
async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "phrasebook_version": _engine(request).version})
