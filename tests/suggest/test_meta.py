"""GET /v1/intents, /healthz and the OpenAPI documentation."""

from app.core.content.models import CONTRACT_INTENTS
from app.ops import Health
from app.suggest.responses import IntentsResponse


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and Health.model_validate(r.json()).status == "ok"


def test_intents_lists_ids_names_and_branches(client, engine):
    body = IntentsResponse.model_validate(client.get("/v1/intents").json())
    ids = [i.id for i in body.intents]
    assert set(CONTRACT_INTENTS) <= set(ids) and "_none" not in ids
    damaged = next(i for i in body.intents if i.id == "damaged")
    assert damaged.name == "破损" and sum(b.entry for b in damaged.branches) == 1
    total = sum(len(f.branches) for f in engine.catalog.flows.values())
    assert sum(len(i.branches) for i in body.intents) == total


def test_openapi_documents_the_contract(client):
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/v1/suggest"]["post"]
    assert "SuggestRequest" in str(op["requestBody"]) and "SuggestResponse" in str(op["responses"]["200"])
    assert {"400", "413", "422"} <= set(op["responses"])
    assert client.get("/docs").status_code == 200
