"""Routes: parse, call the core, serialise. Nothing else belongs here."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.errors import AppError
from app.api.schemas import ErrorResponse, Health, IntentsResponse, SuggestRequest, SuggestResponse
from app.api.serialize import intents_out, suggestion_out
from app.core.engine import Engine
from app.core.playbook import Context

router = APIRouter()
SHOP_TZ = ZoneInfo("Asia/Shanghai")  # the shops' calendar: "昨天" means yesterday in China
_ERRORS = {400: {"model": ErrorResponse}, 413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}


def _engine(request: Request) -> Engine:
    return request.app.state.engine


@router.post("/v1/suggest", responses={200: {"model": SuggestResponse}, **_ERRORS}, tags=["suggest"],
             summary="为一条买家消息给出意图、话术、凭证与操作 Suggest for one buyer message")
def suggest(body: SuggestRequest, request: Request) -> JSONResponse:
    engine = _engine(request)
    unknown = [e for e in body.evidence_received if e not in engine.catalog.vocabulary.evidence]
    if unknown:
        raise AppError(f"未知的凭证 unknown evidence id(s): {', '.join(sorted(set(unknown)))}",
                       status_code=422, code="unknown_evidence")
    order = body.order
    context = Context(
        order_status=order.status if order else None,
        signed_by=order.signed_by if order else None,
        evidence_received=frozenset(body.evidence_received),
        assessment=body.assessment,
    )
    today: date = (body.now or datetime.now(SHOP_TZ)).astimezone(SHOP_TZ).date()
    result = engine.suggest(body.message, context, today)
    return JSONResponse(suggestion_out(result))


@router.get("/v1/intents", response_model=IntentsResponse, tags=["content"],
            summary="全部意图及其话术分支 Intents with their flow branches")
def intents(request: Request) -> JSONResponse:
    return JSONResponse(intents_out(_engine(request)))


@router.get("/healthz", response_model=Health, tags=["ops"], summary="存活检查 Liveness")
def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "phrasebook_version": _engine(request).version})

