"""Phrasebook routes: reload, status, history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.api.schemas import ErrorResponse
from app.auth.guard import require, shop_for
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.core.content.errors import ContentError
from app.core.engine import SHOP_TZ
from app.phrasebook import service

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (401, 403, 422, 429)}
router = APIRouter(prefix="/v1", tags=["phrasebook"], responses=_ERRORS)
Reader = Annotated[Principal, Depends(require(Permission.phrasebook_read))]
Writer = Annotated[Principal, Depends(require(Permission.phrasebook_write))]


class Problem(BaseModel):
    file: str
    line: int
    column: int
    severity: str
    message: str
    text: str


class ReloadOut(BaseModel):
    accepted: bool
    changed: bool
    live_version: str
    errors: list[Problem]
    warnings: list[Problem]


class StatusOut(BaseModel):
    live: dict[str, Any]
    rejected: dict[str, Any] | None


def _problem(e: ContentError) -> dict:
    return {
        "file": e.file,
        "line": e.line,
        "column": e.column,
        "severity": e.severity,
        "message": e.message,
        "text": str(e),
    }


@router.get("/phrasebook", summary="店铺的有效话术及其来源 Effective scripts of a shop, with where each came from")
def effective(
    request: Request, principal: Reader, shop_id: Annotated[str | None, Query(max_length=64)] = None
) -> JSONResponse:
    shop_id = shop_for(principal, shop_id)
    engine = request.app.state.content.engine
    vocab = engine.catalog.vocabulary
    flows = engine.catalog.flows_for(shop_id)
    return JSONResponse(
        {
            "shop_id": shop_id,
            "phrasebook_version": engine.version,
            "shops": sorted(engine.catalog.shop_flows),
            "scripts": [
                {
                    "script_id": b.script_id,
                    "intent": b.intent,
                    "name": b.name,
                    "text": b.text,
                    "entry": b.entry,
                    "evidence": [{"id": e, "name": vocab.evidence[e]} for e in b.evidence],
                    "actions": [{"id": a, "name": vocab.actions[a]} for a in b.actions],
                    "source": str(b.source),
                    "overridden": not b.source.file.startswith("phrasebook/" + b.intent),
                }
                for flow in flows.values()
                for b in flow.branches
            ],
        }
    )


@router.post("/admin/reload", response_model=ReloadOut, summary="立即重新加载话术 Reload the content now")
def reload(request: Request, _: Writer) -> JSONResponse:
    outcome = request.app.state.content.reload("admin reload")
    return JSONResponse(
        {
            "accepted": outcome.accepted,
            "changed": outcome.changed,
            "live_version": outcome.live_version,
            "errors": [_problem(e) for e in outcome.errors],
            "warnings": [_problem(e) for e in outcome.warnings],
        }
    )


@router.get("/phrasebook/status", response_model=StatusOut, summary="线上版本与被拒绝的修改 Live and rejected versions")
def status(request: Request, _: Reader) -> JSONResponse:
    holder = request.app.state.content
    rejected = holder.rejected
    return JSONResponse(
        {
            "live": {"version": holder.engine.version, "since": holder.live_since.isoformat()},
            "rejected": None
            if rejected is None
            else {
                "version": rejected.version,
                "at": rejected.at.isoformat(),
                "errors": [_problem(e) for e in rejected.errors],
            },
        }
    )


@router.get("/phrasebook/history", summary="上线过的版本 Versions that went live")
def history(request: Request, _: Reader, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> JSONResponse:
    with request.app.state.database.unit_of_work() as s:
        rows = service.history(s, limit)
        return JSONResponse(
            {
                "versions": [
                    {
                        "version": r.version,
                        "previous": r.previous,
                        "went_live_at": _local(r.went_live_at),
                        "trigger": r.trigger,
                        "files": r.files,
                        "changes": r.changes,
                    }
                    for r in rows
                ]
            }
        )


def _local(value: datetime) -> str:
    return value.astimezone(SHOP_TZ).isoformat()
