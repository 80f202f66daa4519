"""Case cockpit routes: parse, call the service inside one unit of work, serialise."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from app.auth.guard import require, shop_for
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.cases import service as cases
from app.cases.deps import ERRORS, ShopQuery, database, evidence_names, now, private
from app.cases.models import Case
from app.cases.serialize import case_out
from app.cockpit import service
from app.cockpit.schemas import ChooseIn, NextOut, ScriptsOut
from app.core.engine import Engine
from app.http.schemas import error_responses
from app.suggest.serialize import script_out

router = APIRouter(prefix="/v1")  # tags per route: /v1/scripts is content, the rest cases
Reader = Annotated[Principal, Depends(require(Permission.cases_read))]
Writer = Annotated[Principal, Depends(require(Permission.cases_write))]
Suggester = Annotated[Principal, Depends(require(Permission.suggest))]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _engine(request: Request) -> Engine:
    return request.app.state.content.engine  # read once per request: a reload swaps it between requests


def _next(request: Request, principal: Principal, engine: Engine, s: Any, case: Case) -> dict[str, Any]:
    result, flow = service.current(s, engine, case, now())
    return private(
        principal,
        {
            "case": case_out(case, evidence_names(request)),
            "script": script_out(result.scripts[0]) if result.scripts else None,
            "steps": service.steps(engine, case, result, flow),
        },
    )


@router.get(
    "/cases/{case_id}/next",
    response_model=NextOut,
    responses=ERRORS,
    tags=["cases"],
    summary="案件当前一步与下一步 The case's current script and what can happen next",
)
def next_steps(case_id: CaseId, request: Request, principal: Reader) -> JSONResponse:
    engine = _engine(request)
    with database(request).unit_of_work() as s:
        case = cases.get(s, case_id, principal.shop_scope)
        return JSONResponse(_next(request, principal, engine, s, case))


@router.post(
    "/cases/{case_id}/choose",
    response_model=NextOut,
    responses=ERRORS,
    tags=["cases"],
    summary="客服选用一条话术 The agent chooses a script (found by search) for the conversation",
)
def choose(case_id: CaseId, body: ChooseIn, request: Request, principal: Writer) -> JSONResponse:
    engine = _engine(request)
    with database(request).unit_of_work() as s:
        case = cases.get(s, case_id, principal.shop_scope)
        target = service.choose(
            s,
            engine,
            case,
            body.script_id,
            now(),
            version=body.version,
            actor=body.actor,
            shop_ids=principal.shop_scope,
        )
        return JSONResponse(_next(request, principal, engine, s, cases.get(s, target.id, principal.shop_scope)))


@router.get(
    "/scripts",
    response_model=ScriptsOut,
    responses=error_responses(401, 403, 422, 429, 503),
    tags=["content"],
    summary="搜索店铺的话术 Search the shop's scripts (names, words, 拼音 initials)",
)
def scripts(
    request: Request,
    principal: Suggester,
    q: Annotated[str, Query(min_length=1, max_length=100, description="words, or 拼音 initials such as psbf")],
    shop_id: ShopQuery = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> JSONResponse:
    shop = shop_for(principal, shop_id)
    return JSONResponse({"scripts": service.search(_engine(request), q, shop, limit)})
