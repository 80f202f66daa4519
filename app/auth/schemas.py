"""The key management routes' JSON contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.auth.roles import Role
from app.http.fields import Moment, Strict


class KeyIn(Strict):
    role: Role
    shops: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(min_length=1, max_length=100)]
    label: Annotated[str, Field(max_length=128)] | None = None
    expires_at: Moment | None = None


class KeyOut(BaseModel):
    id: str
    role: Role
    shops: list[str]
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class NewKeyOut(KeyOut):
    key: str = Field(description="完整密钥,只显示这一次 the whole key, shown this once")


class KeyList(BaseModel):
    keys: list[KeyOut]
