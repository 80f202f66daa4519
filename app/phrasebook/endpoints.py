"""Phrasebook routes: the effective scripts of a shop, reload, status, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from app.auth.guard import require, shop_for
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.http.schemas import error_responses
from app.phrasebook import repository as repo
from app.phrasebook.schemas import ReloadOut, StatusOut
from app.phrasebook.serialize import effective_out, reload_out, status_out, version_out

_ERRORS = error_responses(401, 403, 422, 429, 503)
router = APIRouter(prefix="/v1", tags=["phrasebook"], responses=_ERRORS)
Reader = Annotated[Principal, Depends(require(Permission.phrasebook_read))]
Writer = Annotated[Principal, Depends(require(Permission.phrasebook_write))]


@router.get("/phrasebook", summary="店铺的有效话术及其来源 Effective scripts of a shop, with where each came from")
def effective(
    request: Request, principal: Reader, shop_id: Annotated[str | None, Query(max_length=64)] = None
) -> JSONResponse:
    shop_id = shop_for(principal, shop_id)
    return JSONResponse(effective_out(request.app.state.content.engine, shop_id))


@router.post("/admin/reload", response_model=ReloadOut, summary="立即重新加载话术 Reload the content now")
def reload(request: Request, _: Writer) -> JSONResponse:
    return JSONResponse(reload_out(request.app.state.content.reload("admin reload")))


@router.get("/phrasebook/status", response_model=StatusOut, summary="线上版本与被拒绝的修改 Live and rejected versions")
def status(request: Request, _: Reader) -> JSONResponse:
    return JSONResponse(status_out(request.app.state.content))


@router.get("/phrasebook/history", summary="上线过的版本 Versions that went live")
def history(request: Request, _: Reader, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> JSONResponse:
    with request.app.state.database.reading() as s:
        return JSONResponse({"versions": [version_out(r) for r in repo.history(s, limit)]})
