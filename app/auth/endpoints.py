"""Key management for admins. The CLI (``python -m app keys``) does the same from a shell."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from app.auth import service
from app.auth.guard import require
from app.auth.models import ApiKey
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.auth.schemas import KeyIn, KeyList, KeyOut, NewKeyOut
from app.http.schemas import error_responses

_ERRORS = error_responses(401, 403, 404, 422, 429, 503)
router = APIRouter(prefix="/v1/admin/keys", tags=["keys"], responses=_ERRORS)
Admin = Annotated[Principal, Depends(require(Permission.keys))]
KeyId = Annotated[str, Path(min_length=12, max_length=12, pattern=r"^[0-9a-f]{12}$")]


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
        "budget_per_minute": row.budget_per_minute,
    }


@router.get("", response_model=KeyList, summary="全部密钥(不含密文)All keys, without secrets")
def list_keys(request: Request, _: Admin) -> JSONResponse:
    with request.app.state.database.unit_of_work() as s:
        return JSONResponse({"keys": [key_out(k) for k in service.list_keys(s)]})


@router.post("", response_model=NewKeyOut, status_code=201, summary="新建密钥 Create a key (shown once)")
def create_key(body: KeyIn, request: Request, _: Admin) -> JSONResponse:
    with request.app.state.database.unit_of_work() as s:
        new = service.create(
            s,
            body.role,
            body.shops,
            datetime.now(UTC),
            label=body.label,
            expires_at=body.expires_at,
            budget_per_minute=body.budget_per_minute,
        )
        s.flush()
        return JSONResponse({**key_out(new.key), "key": new.secret}, 201)


@router.post("/{key_id}/revoke", response_model=KeyOut, summary="吊销密钥 Revoke a key")
def revoke_key(key_id: KeyId, request: Request, _: Admin) -> JSONResponse:
    with request.app.state.database.unit_of_work() as s:
        row = service.revoke(s, key_id, datetime.now(UTC))
        out = key_out(row)
    request.app.state.guard.forget(key_id)  # after the commit: this instance stops accepting it at once
    return JSONResponse(out)
