"""Reading a JSON body straight into a model, for the one route where FastAPI's machinery is the main cost.

``POST /v1/suggest`` is called for every buyer message; pydantic-core validating the raw bytes costs
a few microseconds where FastAPI's dependency solving and body handling cost ~100. Errors are raised
as the RequestValidationError FastAPI itself would raise, so clients see the same 400/422 shapes.
"""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def json_body(request: Request, model: type[M]) -> M:
    content_type = request.headers.get("content-type")
    if content_type is not None and not _is_json(content_type):
        raise RequestValidationError(
            [
                {
                    "type": "content_type",
                    "loc": ("body",),
                    "msg": "请求体须为 JSON body must be sent as Content-Type: application/json",
                }
            ]
        )
    raw = await request.body()
    if not raw:  # as FastAPI: no body at all is a missing field, not malformed JSON
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        ) from None


def header(request: Request, name: str, max_length: int) -> str | None:
    value = request.headers.get(name)
    if value is not None and len(value) > max_length:
        raise RequestValidationError(
            [
                {
                    "type": "string_too_long",
                    "loc": ("header", name),
                    "msg": f"String should have at most {max_length} characters",
                }
            ]
        )
    return value
