"""What the case routes share: their error responses, the shop query, and what a request gives them (the
database, the evidence names, the time) or lets its key see (its shops, personal data in clear or not)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request

from app.auth.guard import shop_for
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.core.clock import SHOP_TZ
from app.core.content.policy import Policy
from app.core.privacy import mask_value
from app.db.session import Database
from app.http.schemas import error_responses

ERRORS = error_responses(401, 403, 404, 409, 422, 429, 503)
ShopQuery = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


def visible(principal: Principal, shop_id: str | None) -> tuple[str, ...] | None:
    """Shops a listing covers: the one asked for (if this key may), else all of the key's shops."""
    return principal.visible_shops(shop_for(principal, shop_id) if shop_id is not None else None)


def private(principal: Principal, payload: Any) -> Any:
    """Buyers' phones, ID numbers and addresses in clear only for roles that handle the buyer."""
    return payload if principal.can(Permission.personal_data) else mask_value(payload)


def database(request: Request) -> Database:
    return request.app.state.database


def evidence_names(request: Request) -> dict[str, str]:
    return dict(request.app.state.content.engine.catalog.vocabulary.evidence)


def policy_for(request: Request, shop_id: str) -> Policy:
    """The shop's effective policy in the live content (its ranges, the approver's answer time)."""
    return request.app.state.content.engine.policies.for_shop(shop_id)


def now() -> datetime:
    return datetime.now(SHOP_TZ)
