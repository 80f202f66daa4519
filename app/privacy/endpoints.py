"""The erasure route: one buyer's personal data in one shop, for admins (the CLI, ``python -m app erase``, does
the same from a shell); and the privacy log: what each purge and erasure did, for the shops of the key."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from app.auth.guard import require, shop_for
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.core.clock import SHOP_TZ
from app.errors import FieldError
from app.http.schemas import error_responses
from app.privacy import repository, service
from app.privacy.schemas import ErasureIn, ErasureOut, LogOut

_ERRORS = error_responses(401, 403, 422, 429, 503)
ShopQuery = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
router = APIRouter(prefix="/v1/admin", tags=["privacy"], responses=_ERRORS)
Eraser = Annotated[Principal, Depends(require(Permission.erasure))]


@router.post(
    "/erasure",
    response_model=ErasureOut,
    summary="删除一位买家的个人信息 Erase one buyer's personal data in one shop",
)
def erase_buyer_data(body: ErasureIn, request: Request, principal: Eraser) -> JSONResponse:
    # Never across shops: the shop is one this key may act for (403 otherwise), and every query names it.
    shop = shop_for(principal, body.shop_id)
    if shop is None:
        raise FieldError(
            "body.shop_id",
            "此密钥可代表多个店铺,请写明 shop_id this key acts for several shops: name one in shop_id",
            code="shop_required",
        )
    selector, value = body.selector()
    with request.app.state.database.unit_of_work() as s:
        counts = service.erase(
            s, shop, selector, value, datetime.now(SHOP_TZ), dry_run=body.dry_run, actor=principal.key_id
        )
    return JSONResponse(
        {
            "shop_id": shop,
            "selector": f"{selector}={service.masked_selector(selector, value)}",
            "dry_run": body.dry_run,
            "counts": counts.as_dict(),
        }
    )


@router.get("/privacy-log", response_model=LogOut, summary="清除与删除记录 What each purge and erasure did")
def privacy_log(
    request: Request,
    principal: Eraser,
    shop_id: ShopQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JSONResponse:
    shops = principal.visible_shops(shop_for(principal, shop_id) if shop_id is not None else None)
    with request.app.state.database.unit_of_work() as s:
        rows = repository.history(s, shops, limit)
        entries = [
            {
                "at": r.at.isoformat(),
                "action": r.action,
                "shop_id": r.shop_id,
                "actor": r.actor,
                "selector": r.selector,
                "counts": r.counts,
            }
            for r in rows
        ]
    return JSONResponse({"entries": entries})
