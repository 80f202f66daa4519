"""``POST /v1/suggest/batch``: up to 100 buyer messages in one request, for bots that answer many chats.

Each item is a whole ``/v1/suggest`` request (its own message, context, order, shop, conversation or case) and
gets the answer that route would give, in the same order: ``{"status": 200, "suggestion": {…}}``, or its error
in the route's own shape, ``{"status": 403, "error": {"code", "message", "fields"?}}``. One item's failure (a
shop the key may not act for, a case of another shop, an order that cannot happen) fails that item alone.

A body that breaks the schema (an item without a message, 101 items) is a 422 for the whole batch, as any
route answers a malformed body: per-item answers are for what only the service can judge. The key's budget
is spent per message: a batch of 100 costs what 100 single requests cost (app/auth/guard.py ``charge``).

Items run one after the other in a worker thread (matching is CPU: a batch of 100 on the event loop would
hold up every other request for its whole time), so items of one conversation are read in order: an item
with a ``conversation_id`` sees the turns the items before it left in the conversation's memory. Each item
that records on cases has its own unit of work; with an ``Idempotency-Key``, a retried batch replays each
such item's first answer instead of recording it twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.auth.guard import charge, require, shop_for
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.core.engine import Engine
from app.db.session import Database
from app.errors import AppError
from app.http import idempotency
from app.http.errors import error_body
from app.http.fields import Strict
from app.http.schemas import ErrorDetail, error_responses
from app.suggest import service
from app.suggest.responses import SuggestResponse
from app.suggest.schemas import SuggestRequest
from app.suggest.serialize import case_refs_out, suggestion_out

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("app.suggest")
router = APIRouter()
PATH = "/v1/suggest/batch"
MAX_ITEMS = 100
# 100 items of 64 KB would be 6.4 MB to hold and parse at once; 1 MiB is 10 KB an item, a long message with a
# full context and order. The body limit middleware allows this path this much (app/main.py).
MAX_BYTES = 1024 * 1024


class SuggestBatchRequest(Strict):
    items: Annotated[list[SuggestRequest], Field(min_length=1, max_length=MAX_ITEMS)] = Field(
        description="每条一个 /v1/suggest 请求,最多 100 条,按顺序回答 each one /v1/suggest request, at most 100, "
        "answered in order"
    )


class BatchItemOut(BaseModel):
    status: int = Field(description="这一条在 /v1/suggest 上会得到的 HTTP 状态 the status /v1/suggest would answer")
    suggestion: SuggestResponse | None = Field(None, description="200: the suggestion")
    error: ErrorDetail | None = Field(None, description="otherwise: the error, as /v1/suggest gives it")


class SuggestBatchResponse(BaseModel):
    results: list[BatchItemOut] = Field(description="one per item, in the order of the items")


_EXAMPLES = {
    "two_chats": {
        "summary": "两个会话的消息 messages of two chats, one in a case",
        "value": {
            "items": [
                {"message": "亲 收到的杯子碎了 单号SF1234567890123", "shop_id": "default"},
                {
                    "message": "不要了 帮我拦截一下吧",
                    "order": {"status": "in_transit", "shipped_at": "2026-11-20T18:40:00+08:00"},
                    "now": "2026-11-22T12:00:00+08:00",
                },
                {"message": "快递显示签收了 但我根本没收到", "conversation_id": "conv-2048", "shop_id": "default"},
            ]
        },
    }
}


@router.post(
    PATH,
    response_model=SuggestBatchResponse,
    responses=error_responses(400, 401, 403, 409, 413, 422, 429, 503),
    tags=["suggest"],
    summary="一次为多条买家消息给出建议(最多 100 条,按条计额度)Suggest for up to 100 messages",
    description="每条消息各有自己的上下文、订单和店铺,逐条回答,单条失败不影响其他条;额度按条计算。\n\n"
    "Each item is a `/v1/suggest` request and gets its answer, in order; an item that fails (another shop's "
    "case, a shop this key may not act for, an impossible order) fails alone, with the single route's status "
    "and error. The key's budget is spent per message. Body up to 1 MiB.",
    openapi_extra={"requestBody": {"content": {"application/json": {"examples": _EXAMPLES}}}},
)
async def suggest_batch(
    body: SuggestBatchRequest,
    request: Request,
    principal: Annotated[Principal, Depends(require(Permission.suggest))],
    idempotency_key: Annotated[
        str | None,
        Header(alias=idempotency.HEADER, min_length=1, max_length=idempotency.MAX_LENGTH, description="retry-safe"),
    ] = None,
) -> Response:
    await charge(request, principal, len(body.items) - 1)  # the key's check spent the first message
    engine: Engine = request.app.state.content.engine  # one content version for the whole batch
    db: Database = request.app.state.database
    memory_hours: float = request.app.state.settings.conversation_memory_hours

    def answer_all() -> bytes:
        results = [
            _answer(i, item, principal, engine, db, memory_hours, idempotency_key) for i, item in enumerate(body.items)
        ]
        return orjson.dumps({"results": results})

    return Response(await run_in_threadpool(answer_all), media_type="application/json")


def _answer(
    index: int,
    item: SuggestRequest,
    principal: Principal,
    engine: Engine,
    db: Database,
    memory_hours: float,
    idempotency_key: str | None,
) -> dict[str, Any]:
    """The item's answer as /v1/suggest would give it: its status and suggestion, or its status and error."""
    try:
        shop = shop_for(principal, item.shop_id)
        ask = service.check(engine, item)
        if item.conversation_id is None and item.case_id is None:
            return {"status": 200, "suggestion": suggestion_out(service.suggest(engine, ask, shop))}
        cases_shop = service.cases_shop(principal, item)

        def record(s: Session) -> tuple[int, dict[str, Any]]:
            result, refs = service.suggest_in_case(
                s,
                engine,
                ask,
                shop_id=cases_shop,
                shop_ids=principal.shop_scope,
                conversation_id=item.conversation_id,
                case_id=item.case_id,
                memory_hours=memory_hours,
            )
            return 200, suggestion_out(result, case_refs_out(refs))

        # The item's place in the batch is part of the scope: a retried batch replays each item's own answer.
        status, payload = idempotency.run(
            db,
            f"suggest_batch:{index}",
            idempotency_key,
            item.model_dump_json(),
            ask.now,
            record,
            principal.key_id,
        )
        return {"status": status, "suggestion": payload}
    except AppError as exc:
        fields = exc.fields
        if fields is not None:  # named inside the batch: body.x of the item is body.items.<i>.x here
            fields = [{**f, "field": f["field"].replace("body.", f"body.items.{index}.", 1)} for f in fields]
        return {"status": exc.status_code, **error_body(exc.code, exc.message, fields)}
