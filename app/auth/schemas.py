"""The key management routes' JSON contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.auth.roles import Role
from app.http.fields import Int, Moment, Strict

SHOP_PATTERN = r"^(\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$"  # '*' (every shop) or a shop id as _SHOP in service.py


class KeyIn(Strict):
    role: Role
    # The pattern check_shops (app/auth/service.py) applies, published in the document; check_shops decides.
    shops: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64, json_schema_extra={"pattern": SHOP_PATTERN})]],
        Field(min_length=1, max_length=100),
    ]
    label: Annotated[str, Field(max_length=128)] | None = None
    expires_at: Moment | None = None
    budget_per_minute: Int | None = Field(
        None,
        ge=0,
        le=100_000_000,
        description="这个密钥每分钟的请求数(批量按条计);不填则用角色的默认值,0 不限 requests a minute for this key "
        "(a batch counts each message); none: its role's default (ROLE_BUDGETS_PER_MINUTE, RATE_LIMIT_PER_MINUTE); "
        "0: no limit",
    )


class KeyOut(BaseModel):
    id: str
    role: Role
    shops: list[str]
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    budget_per_minute: int | None = Field(None, description="这个密钥自己的每分钟额度 its own budget; null: its role's")


class NewKeyOut(KeyOut):
    key: str = Field(description="完整密钥,只显示这一次 the whole key, shown this once")


class KeyList(BaseModel):
    keys: list[KeyOut]
