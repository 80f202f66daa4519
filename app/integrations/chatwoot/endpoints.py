"""``POST /integrations/chatwoot/webhook``: Chatwoot's ``message_created`` events in, a note queued, answered at
once (the worker posts it: worker.py). Authenticated by Chatwoot's signature, not by a key: Chatwoot cannot
send one. Without CHATWOOT_URL the integration is off and the route answers 404."""

from __future__ import annotations

import json
import logging
import re
import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

from app.errors import AppError, NotFound
from app.http.schemas import error_responses
from app.integrations.chatwoot import service, signature
from app.integrations.chatwoot.payload import BuyerMessage, Ignored, read
from app.integrations.chatwoot.schemas import ChatwootWebhookAnswer
from app.settings import Settings

log = logging.getLogger("app.chatwoot")
router = APIRouter()

_BODY = {
    "requestBody": {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatwootEvent"}}},
        "required": True,
    },
    "parameters": [
        {
            "in": "header",
            "name": name,
            "required": False,
            "description": about,
            "schema": {"anyOf": [{"type": "string", "maxLength": 200}, {"type": "null"}], "title": name},
        }
        for name, about in (
            (signature.SIGNATURE_HEADER, "sha256=HMAC-SHA256(secret, timestamp + '.' + body), hex"),
            (signature.TIMESTAMP_HEADER, "Unix seconds, as Chatwoot signed them"),
            (signature.DELIVERY_HEADER, "Chatwoot's id of the delivery (logged)"),
        )
    ],
}


class BadSignature(AppError):
    status_code = 401
    code = "invalid_signature"


@router.post(
    "/integrations/chatwoot/webhook",
    responses={
        200: {"model": ChatwootWebhookAnswer, "description": "ignored or duplicate"},
        202: {"model": ChatwootWebhookAnswer, "description": "queued"},
        **error_responses(400, 401, 404, 413, 503),
    },
    status_code=202,
    tags=["integrations"],
    summary="Chatwoot 新消息 → 私信备注 Chatwoot message_created → a private note with the suggestion",
    openapi_extra=_BODY,
)
async def chatwoot_webhook(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    raw = await request.body()
    secrets = settings.chatwoot_webhook_secret.strip() if settings.chatwoot_url else ""
    if secrets and ":" not in secrets:  # one secret: checked before the body is even parsed
        _verify(request, raw, secrets)
    try:  # as every route with a body: one that is not JSON is the kit's documented 400, whatever else holds
        payload = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python parses
        raise AppError("请求体须为 JSON the body must be Chatwoot's JSON payload", code="invalid_json") from None
    if not settings.chatwoot_url:
        raise NotFound(
            "未配置 Chatwoot 集成 the Chatwoot integration is off: set CHATWOOT_URL and CHATWOOT_API_TOKEN",
            code="chatwoot_not_configured",
        )
    if secrets and ":" in secrets:  # one per account: the account the body names must have signed it
        account = payload.get("account") if isinstance(payload, dict) else None
        account_id = account.get("id") if isinstance(account, dict) else None
        _verify(request, raw, signature.secret_for(secrets, account_id) if isinstance(account_id, int) else None)
    found = read(payload)
    if isinstance(found, Ignored):
        return _answer(200, "ignored", found.reason)
    shop = service.shop_for(settings.chatwoot_shops, found.account_id, found.inbox_id)
    if shop is None:
        log.warning("chatwoot account %s inbox %s has no shop (CHATWOOT_SHOPS)", found.account_id, found.inbox_id)
        return _answer(200, "ignored", "unmapped")
    queued = await run_in_threadpool(_enqueue, request, found, shop)
    log.info(
        "chatwoot message %s (delivery %s) %s",
        found.message_id,
        re.sub(r"[^A-Za-z0-9-]", "", request.headers.get(signature.DELIVERY_HEADER, ""))[:64] or "-",
        "queued" if queued else "duplicate",
    )
    if not queued:
        return _answer(200, "duplicate", None)
    answer = _answer(202, "queued", None)
    worker = getattr(request.app.state, "chatwoot_worker", None)
    if worker is not None:  # after the answer is sent: the suggestion it starts must not delay Chatwoot's answer
        answer.background = BackgroundTask(worker.wake)
    return answer


def _verify(request: Request, raw: bytes, secret: str | None) -> None:
    headers = request.headers
    timestamp, signed = headers.get(signature.TIMESTAMP_HEADER), headers.get(signature.SIGNATURE_HEADER)
    if secret is None or not signature.verify(secret, timestamp, signed, raw, time.time()):
        raise BadSignature("签名无效 missing or invalid X-Chatwoot-Signature (or a stale X-Chatwoot-Timestamp)")


def _enqueue(request: Request, message: BuyerMessage, shop: str) -> bool:
    with request.app.state.database.unit_of_work() as s:
        return service.enqueue(s, message, shop, service.now())


def _answer(status: int, outcome: str, reason: str | None) -> JSONResponse:
    return JSONResponse({"status": outcome, "reason": reason}, status)
