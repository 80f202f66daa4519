"""The suggest routes: parse, authorise, call the service, serialise. The rules are in service.py."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from app.auth.guard import admit, bearer_token, require, shop_for
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.core.engine import Engine
from app.http import idempotency, openapi
from app.http.body import header, json_body
from app.http.schemas import error_responses
from app.suggest import batch, service
from app.suggest.responses import IntentsResponse, RefundQuoteResponse, SuggestResponse
from app.suggest.schemas import RefundQuoteRequest, SuggestRequest
from app.suggest.serialize import case_refs_out, intents_out, quote_out, suggestion_out

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("app.suggest")
router = APIRouter()
_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422, 429, 503)
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
    # Called for every buyer message, so it reads its key and body itself (see app/http/body.py) rather
    # than through FastAPI's dependencies, which cost more than the matching. Async: matching is CPU
    # only, cheaper on the event loop than a thread hop; the case-aware path goes to the thread pool.
    principal = await admit(request, Permission.suggest, bearer_token(request))
    body = await json_body(request, SuggestRequest)
    idempotency_key = header(request, idempotency.HEADER, idempotency.MAX_LENGTH)
    engine = _engine(request)
    shop = shop_for(principal, body.shop_id)
    ask = service.check(engine, body)
    if body.conversation_id is None and body.case_id is None:
        result = service.suggest(engine, ask, shop)
        if log.isEnabledFor(logging.DEBUG):  # buyer text in a log line: masked by the formatter like every line
            log.debug(
                "suggest key=%s shop=%s message=%r -> %s",
                principal.key_id,
                shop,
                body.message,
                result.match.status.value,
            )
        return Response(orjson.dumps(suggestion_out(result)), media_type="application/json")
    cases_shop = service.cases_shop(principal, body)  # refused before the Idempotency-Key is looked at

    def record(s: Session) -> tuple[int, dict[str, Any]]:
        result, refs = service.suggest_in_case(
            s,
            engine,
            ask,
            shop_id=cases_shop,
            shop_ids=principal.shop_scope,
            conversation_id=body.conversation_id,
            case_id=body.case_id,
            memory_hours=request.app.state.settings.conversation_memory_hours,
        )
        log.debug(
            "suggest in case key=%s conversation=%s message=%r -> %s",
            principal.key_id,
            body.conversation_id,
            body.message,
            [r.case.id for r in refs],
        )
        return 200, suggestion_out(result, case_refs_out(refs))

    # A retried request (same Idempotency-Key and body) must not record the message on the case twice.
    scope, key, owner, same_body = "suggest", idempotency_key, principal.key_id, True
    if body.message_id is not None:
        # The chat client's message id: one record per shop, conversation and message whoever sends it (each
        # agent's own key, a re-sent context, a reload). With a pinned case and no shop of its own the owner
        # stays the key: its scope is only checked when the case is read, which a replay skips.
        scope, same_body = service.MESSAGE_SCOPE, False
        owner = service.message_owner(cases_shop) if cases_shop is not None else principal.key_id
        key = service.message_key(body.conversation_id, body.case_id, body.message_id, body.intent)
    status, payload = await run_in_threadpool(
        functools.partial(
            idempotency.run,
            request.app.state.database,
            scope,
            key,
            body.model_dump_json(),
            ask.now,
            record,
            owner,
            same_body=same_body,
        )
    )
    return JSONResponse(payload, status)


@router.post(
    "/v1/refund-quote",
    responses={200: {"model": RefundQuoteResponse}, **_ERRORS},
    tags=["suggest"],
    summary="部分退款最大可退金额 Maximum refund for part of an order",
)
async def refund_quote(body: RefundQuoteRequest, _: Suggester) -> JSONResponse:
    return JSONResponse(quote_out(service.refund_quote(body)))


@router.get(
    "/v1/intents",
    response_model=IntentsResponse,
    responses=error_responses(401, 403, 429, 503),
    tags=["content"],
    summary="全部意图及其话术分支 Intents with their flow branches",
)
async def intents(request: Request, _: Suggester) -> JSONResponse:
    return JSONResponse(intents_out(_engine(request)))


router.include_router(batch.router)  # POST /v1/suggest/batch (app/suggest/batch.py), after the routes above
