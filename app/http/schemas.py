"""The error body every route documents. One model for all of them, so clients parse failures one way."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[dict[str, str]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "seconds before sending the request again", "schema": {"type": "integer"}}
}
# Every route with a key may answer 503: the key check needs the database for a key this instance has not
# checked yet, and the routes that keep records need it for everything (README: when the database is down).
UNAVAILABLE: dict[str, Any] = {
    "model": ErrorResponse,
    "description": "数据库暂时不可用 the database is down (`database_unavailable`); retry after Retry-After seconds",
    "headers": RETRY_AFTER_HEADER,
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route or router: each status code answered with the error body."""
    return {code: UNAVAILABLE if code == 503 else {"model": ErrorResponse} for code in codes}
