"""/v1/suggest reads its own body for speed; its published contract must be what a typed route publishes."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Header, Security

from app.auth.guard import bearer
from app.main import create_app
from app.suggest.endpoints import _ERRORS
from app.suggest.responses import SuggestResponse
from app.suggest.schemas import SuggestRequest


def _typed_twin() -> dict:
    """The same operation declared the ordinary FastAPI way: body, header and key as parameters."""
    twin = FastAPI()

    @twin.post(
        "/v1/suggest",
        responses={200: {"model": SuggestResponse}, **_ERRORS},
        tags=["suggest"],
        summary="为一条买家消息给出意图、话术、凭证与操作 Suggest for one buyer message",
    )
    async def suggest(
        body: SuggestRequest,
        _: Annotated[object, Security(bearer)],
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
    ) -> None:
        return None

    return twin.openapi()


def test_suggest_operation_and_its_schemas_match_a_typed_route():
    ours, twin = create_app().openapi(), _typed_twin()
    op, expected = ours["paths"]["/v1/suggest"]["post"], twin["paths"]["/v1/suggest"]["post"]
    assert op["requestBody"] == expected["requestBody"]
    assert op["parameters"] == expected["parameters"]
    assert op["security"] == expected["security"]
    # The links (app/links.py) are added to the document for every route alike, typed or not.
    unlinked = {status: {k: v for k, v in r.items() if k != "links"} for status, r in op["responses"].items()}
    assert unlinked == expected["responses"]
    for name, schema in twin["components"]["schemas"].items():
        if name not in ("HTTPValidationError", "ValidationError"):
            assert ours["components"]["schemas"][name] == schema, name
