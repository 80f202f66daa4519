"""The report routes over a date range: the 登记表格 (CSV, XLSX) and script adoption. A router of its own,
included right after the case routes, so the published paths keep their order."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from app.auth.guard import require
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.cases import export, service
from app.cases.deps import ERRORS, ShopQuery, database, evidence_names, private, visible
from app.cases.schemas import StatsOut
from app.cases.stats import adoption
from app.http.fields import Moment

router = APIRouter(prefix="/v1", tags=["cases"])
Exporter = Annotated[Principal, Depends(require(Permission.export))]
StatsReader = Annotated[Principal, Depends(require(Permission.stats))]
NO_STORE = {"Cache-Control": "no-store"}


def _register_pages(
    request: Request, principal: Principal, shop_id: str | None, start: datetime, end: datetime
) -> Iterator[list[list[str]]]:
    """The rows a page at a time, masked for the key's role. Everything that can refuse the request (the range,
    the shop) and the first page are done here, before the answer starts: a refusal or a database failure is
    then a clean error status, not a cut-off file."""
    service.check_range(start, end)
    engine = request.app.state.content.engine
    intent_names = {i.id: i.name for i in engine.catalog.intents.values()}
    shops = visible(principal, shop_id)
    pages = export.register_pages(database(request), shops, start, end, intent_names, evidence_names(request))
    first = next(pages, None)
    return (private(principal, rows) for rows in itertools.chain([first] if first else [], pages))


@router.get(
    "/register.csv",
    responses={**ERRORS, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    response_class=Response,
    summary="导出登记表格 CSV",
)
def register_csv(
    request: Request, principal: Exporter, start: Moment, end: Moment, shop_id: ShopQuery = None
) -> Response:
    pages = _register_pages(request, principal, shop_id, start, end)
    return StreamingResponse(
        export.csv_chunks(pages),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="register.csv"', **NO_STORE},
    )


@router.get(
    "/register.xlsx",
    responses={**ERRORS, 200: {"content": {export.XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
    response_class=Response,
    summary="导出登记表格 XLSX",
)
def register_xlsx(
    request: Request, principal: Exporter, start: Moment, end: Moment, shop_id: ShopQuery = None
) -> Response:
    # A workbook is a zip: it is finished (on disk) before the answer starts, so a failure is never half a book.
    book = export.xlsx_file(_register_pages(request, principal, shop_id, start, end))
    return StreamingResponse(
        export.file_chunks(book),
        media_type=export.XLSX,
        headers={
            "Content-Disposition": 'attachment; filename="register.xlsx"',
            "Content-Length": str(os.fstat(book.fileno()).st_size),
            **NO_STORE,
        },
    )


@router.get("/stats", response_model=StatsOut, responses=ERRORS, summary="话术采用统计 Script adoption")
def stats(
    request: Request, principal: StatsReader, start: Moment, end: Moment, shop_id: ShopQuery = None
) -> JSONResponse:
    service.check_range(start, end)
    with database(request).reading() as s:
        counts = adoption(s, visible(principal, shop_id), start, end)
    return JSONResponse({"start": start.isoformat(), "end": end.isoformat(), **counts})
