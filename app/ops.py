"""Operations: liveness and readiness, polled by load balancers, supervisors and monitoring. Public: they show
only the live phrasebook version and whether the database answers, so a check needs no key.

- ``/healthz`` (liveness): the process serves. It never touches the database: a database outage is no reason
  to restart an instance that still serves suggestions.
- ``/readyz`` (readiness): the database, the content and the migrations, each with its own status. 503 while the
  database is down (routes that need it answer 503 too; plain suggestions are still served) or its schema is
  not the one this code expects (a deployment that skipped ``python -m app migrate``, or a newer one ran it).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from app.db.health import RETRY_AFTER
from app.db.migrate import database_revisions, script_heads
from app.db.session import Database
from app.http.schemas import RETRY_AFTER_HEADER
from app.reload import ContentHolder

router = APIRouter()


@functools.cache
def _heads() -> frozenset[str]:
    return frozenset(script_heads())  # the migration files do not change under a running process


class Health(BaseModel):
    status: Literal["ok"]
    phrasebook_version: str


class DatabaseReadiness(BaseModel):
    status: Literal["ok", "unavailable"]
    unavailable_since: datetime | None = Field(description="when the outage began; null when the database answers")


class ContentReadiness(BaseModel):
    status: Literal["ok", "rejected"] = Field(
        description="`rejected`: the last edit has errors (GET /v1/phrasebook/status) and the version before it serves"
    )
    phrasebook_version: str
    live_since: datetime
    rejected_version: str | None


class MigrationsReadiness(BaseModel):
    status: Literal["at_head", "mismatch", "unknown"] = Field(
        description="`mismatch`: the database's schema revision is not this code's head; `unknown`: the database is down"
    )
    database: list[str] = Field(description="the revisions the database is at")
    code: list[str] = Field(description="the newest revisions this code ships")


class Readiness(BaseModel):
    status: Literal["ready", "degraded"] = Field(
        description="`degraded`: the database is down, or its schema is not at this code's head; suggestions are "
        "served, routes that need the database answer 503"
    )
    database: DatabaseReadiness
    content: ContentReadiness
    migrations: MigrationsReadiness


@router.get("/healthz", response_model=Health, tags=["ops"], summary="存活检查 Liveness")
async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "phrasebook_version": request.app.state.content.engine.version})


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={
        503: {
            "model": Readiness,
            "description": "数据库不可用或结构不是最新 the database is down or not at head (status `degraded`)",
            "headers": RETRY_AFTER_HEADER,
        }
    },
    tags=["ops"],
    summary="就绪检查:数据库与内容 Readiness: the database and the content",
)
def readyz(request: Request) -> JSONResponse:
    # Not async: the database check may wait for a connection, in the thread pool and not on the event loop.
    database: Database = request.app.state.database
    content: ContentHolder = request.app.state.content
    since = database.unavailable_since()
    rejected = content.rejected
    code = sorted(_heads())
    at: list[str] = []
    migrations = "unknown"
    if since is None:
        try:
            at = sorted(database_revisions(database.engine))
            migrations = "at_head" if at == code else "mismatch"
        except SQLAlchemyError:  # went down just now: the next check says so through unavailable_since
            migrations = "unknown"
    ready = since is None and migrations == "at_head"
    body = {
        "status": "ready" if ready else "degraded",
        "database": {
            "status": "ok" if since is None else "unavailable",
            "unavailable_since": since.isoformat() if since is not None else None,
        },
        "content": {
            "status": "ok" if rejected is None else "rejected",
            "phrasebook_version": content.engine.version,
            "live_since": content.live_since.isoformat(),
            "rejected_version": rejected.version if rejected is not None else None,
        },
        "migrations": {"status": migrations, "database": at, "code": code},
    }
    if ready:
        return JSONResponse(body)
    return JSONResponse(body, 503, headers={"Retry-After": str(RETRY_AFTER)})
