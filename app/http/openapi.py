"""OpenAPI for routes that read their own body: the schema they would have had with a typed parameter.

FastAPI documents a body only when the endpoint declares it as a parameter, and a declared body is
parsed by FastAPI's slower machinery. These helpers document the same request body, header and key on
a route that reads the body itself (see app/http/body.py), so the published contract does not change.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.models import Schema
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

_REF = "#/components/schemas/{model}"


def operation(body: type[BaseModel], *, headers: dict[str, int] | None = None) -> dict[str, Any]:
    """``openapi_extra`` for a route: a required JSON ``body``, optional ``headers`` (name: max length), a key."""
    extra: dict[str, Any] = {
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": _REF.format(model=body.__name__)}}},
            "required": True,
        },
        "security": [{"ApiKey": []}],
    }
    if headers:
        extra["parameters"] = [
            {
                "in": "header",
                "name": name,
                "required": False,
                "schema": {"anyOf": [{"type": "string", "maxLength": limit}, {"type": "null"}], "title": name},
            }
            for name, limit in headers.items()
        ]
    return extra


def include_models(app: FastAPI, *models: type[BaseModel]) -> None:
    """Add ``models`` (and the models they nest) to the components FastAPI generates."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            _, defs = models_json_schema([(m, "validation") for m in models], ref_template=_REF)
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in defs.get("$defs", {}).items():
                # Through FastAPI's own OpenAPI model, as it passes its schemas: same numbers, no null defaults.
                schemas.setdefault(name, jsonable_encoder(Schema(**schema), by_alias=True, exclude_none=True))
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document
