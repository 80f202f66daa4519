"""Extensions of the OpenAPI document FastAPI generates.

Routes that read their own body: the schema they would have had with a typed parameter.

FastAPI documents a body only when the endpoint declares it as a parameter, and a declared body is
parsed by FastAPI's slower machinery. These helpers document the same request body, header and key on
a route that reads the body itself (see app/http/body.py), so the published contract does not change.

Links (``Link``, ``include_links``): which response gives the ids of which next request, so that clients and
schemathesis' stateful phase can follow a case from its opening to its follow-ups. The links themselves are
listed in app/links.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.models import Schema
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.http.schemas import ErrorResponse

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


def _extend(app: FastAPI, step: Callable[[dict[str, Any]], None]) -> None:
    """Run ``step`` on the document once, when FastAPI first generates it (after the steps added before)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            step(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document


def include_models(app: FastAPI, *models: type[BaseModel]) -> None:
    """Add ``models`` (and the models they nest) to the components FastAPI generates."""

    def add(spec: dict[str, Any]) -> None:
        _, defs = models_json_schema([(m, "validation") for m in models], ref_template=_REF)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in defs.get("$defs", {}).items():
            # Through FastAPI's own OpenAPI model, as it passes its schemas: same numbers, no null defaults.
            schemas.setdefault(name, jsonable_encoder(Schema(**schema), by_alias=True, exclude_none=True))

    _extend(app, add)


# What any route with a body may answer before the route runs: the HTTP kit's answers (app/http/errors.py,
# app/http/limits.py), so the kit documents them, not each route.
BODY_ERRORS = {
    "400": "请求体不是合法的 JSON(或不是 UTF-8)body is not valid JSON (`invalid_json`)",
    "413": "请求体过大 body over the size limit (`payload_too_large`)",
}


def include_body_errors(app: FastAPI) -> None:
    """Document 400 and 413 on every operation that takes a request body."""

    def add(spec: dict[str, Any]) -> None:
        error = {"application/json": {"schema": {"$ref": _REF.format(model=ErrorResponse.__name__)}}}
        for methods in spec["paths"].values():
            for op in methods.values():
                if "requestBody" in op:
                    for status, description in BODY_ERRORS.items():
                        op["responses"].setdefault(status, {"description": description, "content": error})

    _extend(app, add)


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: a response of ``source`` gives the values of a request to ``target``.

    Operations are named as ``"METHOD /path"`` (the paths of the document), not by FastAPI's generated
    operationIds, so that a renamed function does not silently drop a link; ``parameters`` maps a target
    parameter to a runtime expression (``$response.body#/id``, ``$request.path.case_id``), ``body`` gives
    request-body fields the same way (schemathesis merges them into the body it generates).
    """

    source: str
    statuses: tuple[int, ...]
    name: str
    target: str
    description: str
    parameters: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] | None = None


def _operation(spec: dict[str, Any], label: str) -> dict[str, Any]:
    method, _, path = label.partition(" ")
    op = spec["paths"].get(path, {}).get(method.lower())
    if op is None:
        raise ValueError(f"OpenAPI link: no operation {label!r} in the document")
    return op


def _body_fields(spec: dict[str, Any], op: dict[str, Any]) -> set[str]:
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref.startswith(_REF.format(model="")):
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


def add_links(spec: dict[str, Any], links: Iterable[Link]) -> None:
    """Write ``links`` into the responses of ``spec``; a link to an operation, a status, a parameter or a
    body field the document does not have is an error at start-up, not a link nobody follows."""
    for link in links:
        source, target = _operation(spec, link.source), _operation(spec, link.target)
        known = {p["name"] for p in target.get("parameters", [])}
        unknown = set(link.parameters) - known
        unknown |= set(link.body or {}) - _body_fields(spec, target)
        if unknown:
            raise ValueError(f"OpenAPI link {link.name}: {link.target} has no {', '.join(sorted(unknown))}")
        definition: dict[str, Any] = {"operationId": target["operationId"], "description": link.description}
        if link.parameters:
            definition["parameters"] = dict(link.parameters)
        if link.body is not None:
            definition["requestBody"] = dict(link.body)
        for status in link.statuses:
            response = source["responses"].get(str(status))
            if response is None:
                raise ValueError(f"OpenAPI link {link.name}: {link.source} documents no {status} response")
            declared = response.setdefault("links", {})
            if link.name in declared:
                raise ValueError(f"OpenAPI link {link.name}: twice on {link.source} {status}")
            declared[link.name] = definition


def include_links(app: FastAPI, links: Iterable[Link]) -> None:
    """Add ``links`` to the document FastAPI generates."""
    declared = tuple(links)
    _extend(app, lambda spec: add_links(spec, declared))
