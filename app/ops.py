"""Operations: the liveness check load balancers and supervisors poll. Public: it shows only the live
phrasebook version, so a health check needs no key and says which content an instance serves."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

router = APIRouter()


class Health(BaseModel):
    status: Literal["ok"]
    phrasebook_version: str


@router.get("/healthz", response_model=Health, tags=["ops"], summary="存活检查 Liveness")
async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "phrasebook_version": request.app.state.content.engine.version})
