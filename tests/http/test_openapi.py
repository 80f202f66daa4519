"""The OpenAPI document's extensions: the errors every body may get, and the links between operations."""

from __future__ import annotations

import pytest

from app.http.openapi import BODY_ERRORS, Link, add_links
from app.http.schemas import ErrorResponse
from app.links import LINKS
from app.main import create_app

SPEC = create_app().openapi()
WITH_BODY = sorted(
    (method.upper(), path)
    for path, methods in SPEC["paths"].items()
    for method, op in methods.items()
    if "requestBody" in op
)
# A value for each path parameter, so that the request reaches its route (which then finds nothing: 404 or 422).
PATH_VALUES = {"{case_id}": "1", "{follow_up_id}": "1", "{evidence_id}": "photo", "{key_id}": "0123456789ab"}


def _url(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace(name, value)
    return path


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_a_body_that_is_not_utf8_is_the_documented_400(client, method, path):
    # Found by the stateful phase: FastAPI answered an undecodable body with its own 400 ("There was an
    # error parsing the body", code http_error), which only /v1/suggest documented.
    r = client.request(method, _url(path), content=b"\xff\x1f", headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert ErrorResponse.model_validate(r.json()).error.code == "invalid_json"
    assert "400" in SPEC["paths"][path][method.lower()]["responses"]


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_every_operation_with_a_body_documents_400_and_413(method, path):
    responses = SPEC["paths"][path][method.lower()]["responses"]
    assert set(BODY_ERRORS) <= set(responses)


def test_get_routes_do_not_document_body_errors():
    for path, methods in SPEC["paths"].items():
        if "get" in methods:
            assert "400" not in methods["get"]["responses"], path


def _links(spec: dict) -> dict[tuple[str, str, str], dict]:
    return {
        (f"{method.upper()} {path}", status, name): link
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        for status, response in op["responses"].items()
        for name, link in response.get("links", {}).items()
    }


def test_every_declared_link_is_in_the_document_with_an_existing_target():
    published = _links(SPEC)
    ids = {op["operationId"] for methods in SPEC["paths"].values() for op in methods.values()}
    for link in LINKS:
        for status in link.statuses:
            definition = published[(link.source, str(status), link.name)]
            assert definition["operationId"] in ids
    assert len(published) == sum(len(link.statuses) for link in LINKS)


def test_the_case_links_the_brief_names_are_there():
    published = _links(SPEC)
    for name in ("GetCase", "Timeline", "AddEvent", "SetFollowUp", "ReceiveEvidence", "ChangeStatus", "UpdateCase"):
        assert ("POST /v1/cases", "201", name) in published
    assert published[("POST /v1/cases/{case_id}/follow-ups", "201", "Done")]["parameters"] == {
        "follow_up_id": "$response.body#/id"
    }
    assert ("POST /v1/admin/keys", "201", "Revoke") in published
    assert published[("POST /v1/cases", "201", "ChangeStatus")]["requestBody"] == {"version": "$response.body#/version"}


@pytest.mark.parametrize(
    ("link", "error"),
    [
        (Link("GET /v1/nowhere", (200,), "X", "GET /v1/cases", "-"), "no operation 'GET /v1/nowhere'"),
        (Link("GET /v1/cases", (200,), "X", "GET /v1/cases/{id}", "-"), "no operation"),
        (
            Link("GET /v1/cases", (201,), "X", "GET /v1/cases/{case_id}", "-", {"case_id": "$response.body#/id"}),
            "no 201",
        ),
        (Link("GET /v1/cases", (200,), "X", "GET /v1/cases/{case_id}", "-", {"id": "$response.body#/id"}), "has no id"),
        (Link("GET /v1/cases", (200,), "X", "POST /v1/cases/{case_id}/status", "-", {}, {"versoin": "1"}), "versoin"),
        (Link("POST /v1/cases", (201,), "GetCase", "GET /v1/cases/{case_id}", "-"), "twice"),
    ],
)
def test_a_link_the_document_cannot_follow_is_an_error_at_start_up(link, error):
    # A route renamed or a parameter renamed by another change must not leave a link nobody can follow.
    spec = create_app().openapi()
    with pytest.raises(ValueError, match=error.replace("{", r"\{").replace("}", r"\}")):
        add_links(spec, [link])


def _evaluate(expression: str, body: object) -> object:
    """The one runtime-expression form app/links.py uses for response values: ``$response.body#/a/0/b``."""
    assert expression.startswith("$response.body#")
    value = body
    for part in expression.removeprefix("$response.body#").strip("/").split("/"):
        if part:
            value = value[int(part)] if isinstance(value, list) else value[part]  # type: ignore[index]
    return value


def test_the_links_of_an_opened_case_lead_to_that_case(client):
    """Followed by hand on a real server: every GET a new case links to answers 200 with the values the
    link takes from the 201 (a wrong pointer would send schemathesis, and clients, to a 404)."""
    opened = client.post("/v1/cases", json={"intent": "damaged", "order_id": "LINK-1", "buyer_ref": "b"})
    assert opened.status_code in (200, 201), opened.text
    followed = 0
    for link in LINKS:
        if link.source != "POST /v1/cases" or not link.target.startswith("GET "):
            continue
        path = link.target.split(" ", 1)[1]
        query = {}
        for name, expression in link.parameters.items():
            value = str(_evaluate(expression, opened.json()))
            if "{" + name + "}" in path:
                path = path.replace("{" + name + "}", value)
            else:
                query[name] = value
        r = client.get(path, params=query)
        assert r.status_code == 200, (link.name, r.text)
        followed += 1
    assert followed >= 3  # the case, its timeline, its shop's scripts
