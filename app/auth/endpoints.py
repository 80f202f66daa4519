"""Key management for admins. The CLI (``python -m app keys``) does the same from a shell."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.api.fields import Moment, Strict
from app.api.schemas import ErrorResponse
from app.auth import keys
from app.auth.guard import require
from app.auth.models import ApiKey
from app.auth.principal import Principal
from app.auth.roles import Permission, Role

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (401, 403, 404, 422, 429)}
router = APIRouter(prefix="/v1/admin/keys", tags=["keys"], responses=_ERRORS)
Admin = Annotated[Principal, Depends(require(Permission.keys))]
KeyId = Annotated[str, Path(min_length=12, max_length=12, pattern=r"^[0-9a-f]{12}$")]


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


def key_out(row: ApiKey) -> dict:
    def t(v: datetime | None) -> str | None:
        return v.isoformat() if v is not None else None

    return {
        "id": row.id,
        "role": row.role,
        "shops": row.shops,
        "label": row.label,
        "created_at": t(row.created_at),
        "expires_at": t(row.expires_at),
        "revoked_at": t(row.revoked_at),
    }


@router.get("", response_model=KeyList, summary="全部密钥(不含密文)All keys, without secrets")
def list_keys(request: Request, _: Admin) -> JSONResponse:
    with request.app.state.database.unit_of_work() as s:
        return JSONResponse({"keys": [key_out(k) for k in keys.list_keys(s)]})


@router.post("", response_model=NewKeyOut, status_code=201, summary="新建密钥 Create a key (shown once)")
def create_key(body: KeyIn, request: Request, _: Admin) -> JSONResponse:
    with request.app.state.database.unit_of_work() as s:
        new = keys.create(s, body.role, body.shops, datetime.now(UTC), label=body.label, expires_at=body.expires_at)
        s.flush()
        return JSONResponse({**key_out(new.key), "key": new.secret}, 201)


@router.post("/{key_id}/revoke", response_model=KeyOut, summary="吊销密钥 Revoke a key")
def revoke_key(key_id: KeyId, request: Request, _: Admin) -> JSONResponse:
    with request.app.state.database.unit_of_work() as s:
        row = keys.revoke(s, key_id, datetime.now(UTC))
        out = key_out(row)
    request.app.state.guard.forget(key_id)  # after the commit: this instance stops accepting it at once
    return JSONResponse(out)
