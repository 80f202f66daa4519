"""POST /v1/suggest/batch over real HTTP, on both engines: one answer per item in order, each the single route's
answer (or its error, alone), cases of other shops refused per item, conversations read in order, the body's
limits, and the key's budget spent per message (a key's own budget, else its role's)."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from app.db.session import Database
from app.main import create_app
from app.settings import Settings
from app.suggest.batch import MAX_BYTES
from tests.conftest import auth, free_port, make_key, run_server
from tests.dbs import fresh_database

NOW = "2026-11-22T12:00:00+08:00"  # fixed, so that the batch and the single route answer alike


def batch(c: httpx.Client, items: list[dict], **kw) -> httpx.Response:  # type: ignore[no-untyped-def]
    return c.post("/v1/suggest/batch", json={"items": items}, **kw)


def test_each_item_gets_the_single_routes_answer_in_order(client, database):
    bot = auth(make_key(database, "bot", ("shop-a",)))
    items = [
        {"message": "亲 收到的杯子碎了 单号SF1234567890123", "now": NOW},
        {"message": "在吗", "shop_id": "shop-b", "now": NOW},  # another shop: 403 for this item only
        {"message": "杯子碎了", "evidence_received": ["no_such_evidence"], "now": NOW},  # 422 for this one
        {"message": "不要了 帮我拦截一下吧", "order": {"status": "in_transit"}, "now": NOW},
    ]
    r = batch(client, items, headers=bot)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == [200, 403, 422, 200]
    for item, result in zip(items, results, strict=True):
        single = client.post("/v1/suggest", json=item, headers=bot)
        assert single.status_code == result["status"]
        if single.status_code == 200:
            assert result["suggestion"] == single.json() and "error" not in result
    assert results[1]["error"] == client.post("/v1/suggest", json=items[1], headers=bot).json()["error"]
    assert results[1]["error"]["code"] == "shop_forbidden"
    # A field error names the field inside the batch.
    assert results[2]["error"]["code"] == "unknown_evidence"
    assert results[2]["error"]["fields"][0]["field"] == "body.items.2.evidence_received.0"
    assert results[0]["suggestion"]["intents"][0]["id"] == "damaged"
    assert results[3]["suggestion"]["suggestions"][0]["script_id"] == "intercept.in_transit"


def test_a_case_of_another_shop_fails_that_item_alone(client, database):
    other = client.post(
        "/v1/cases", json={"shop_id": "shop-z", "intent": "damaged", "conversation_id": f"z-{uuid.uuid4().hex}"}
    ).json()
    bot = auth(make_key(database, "bot", ("shop-a",)))
    items = [
        {"message": "照片发你了", "case_id": other["id"]},
        {"message": "杯子碎了", "conversation_id": f"a-{uuid.uuid4().hex}"},
    ]
    results = batch(client, items, headers=bot).json()["results"]
    single = client.post("/v1/suggest", json=items[0], headers=bot)
    assert results[0]["status"] == single.status_code == 404
    assert results[0]["error"] == single.json()["error"]
    assert results[1]["status"] == 200
    case = results[1]["suggestion"]["cases"][0]
    assert client.get(f"/v1/cases/{case['id']}").json()["shop_id"] == "shop-a"
    # A key without cases:write may suggest, but not record: 403 for the recording item only.
    editor = auth(make_key(database, "editor", ("shop-a",)))
    results = batch(client, [items[1], {"message": "杯子碎了"}], headers=editor).json()["results"]
    assert [x["status"] for x in results] == [403, 200]


def test_items_of_one_conversation_are_read_in_order(client):
    said = ["杯子碎了", "照片发你了"]
    talk, alone = f"b-{uuid.uuid4().hex}", f"s-{uuid.uuid4().hex}"
    results = batch(client, [{"message": m, "conversation_id": talk, "shop_id": "shop-m"} for m in said]).json()
    singles = [
        client.post("/v1/suggest", json={"message": m, "conversation_id": alone, "shop_id": "shop-m"}).json()
        for m in said
    ]
    for result, single in zip(results["results"], singles, strict=True):
        got = result["suggestion"]
        assert got["status"] == single["status"] and got["reading"] == single["reading"]
        assert [s["script_id"] for s in got["suggestions"]] == [s["script_id"] for s in single["suggestions"]]
    first, second = (r["suggestion"]["cases"] for r in results["results"])
    assert [c["id"] for c in first] == [c["id"] for c in second]  # the second continued the first's case


def test_an_idempotency_key_replays_the_recorded_items(client):
    items = [{"message": "杯子碎了", "conversation_id": f"i-{uuid.uuid4().hex}", "shop_id": "shop-i"}]
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    first = batch(client, items, headers=headers).json()
    again = batch(client, items, headers=headers).json()
    assert first == again
    case_id = first["results"][0]["suggestion"]["cases"][0]["id"]
    timeline = client.get(f"/v1/cases/{case_id}/timeline").json()
    assert sum(e["type"] == "message_received" for e in timeline) == 1


def test_the_body_is_checked_whole(client, server, admin_key):
    assert batch(client, []).status_code == 422
    assert batch(client, [{"message": "在吗"}] * 101).status_code == 422
    r = batch(client, [{"message": "在吗"}, {"shop_id": "x"}])  # an item without a message
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"].startswith("body.items.1")
    # Bigger than a single request may be (64 KB), within the batch's 1 MiB.
    big = [{"message": "杯子碎了" + "。" * 1900}] * 20
    r = batch(client, big)
    assert r.status_code == 200 and len(r.json()["results"]) == 20
    too_big = b'{"items": [{"message": "' + b"a" * MAX_BYTES + b'"}]}'
    r = client.post("/v1/suggest/batch", content=too_big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    assert httpx.post(f"{server}/v1/suggest/batch", json={"items": [{"message": "在吗"}]}).status_code == 401


@pytest.fixture
def budgeted(engine, database, tmp_path):
    """A server of its own with the limit on: bots 6 a minute by role, everyone else 1,000."""
    with fresh_database(database.engine.dialect.name, tmp_path) as url:
        db = Database(url)
        port = free_port()
        settings = Settings(port=port, watch_content=False, rate_limit_per_minute=1000, role_budgets_per_minute="bot=6")
        srv = run_server(create_app(settings, engine, db), port)
        yield f"http://127.0.0.1:{port}", db
        srv.should_exit = True
        time.sleep(0.1)
        db.dispose()


def _codes(c: httpx.Client, key: str, sizes: list[int]) -> list[int]:
    out = []
    for n in sizes:
        if n == 1:
            out.append(c.post("/v1/suggest", json={"message": "在吗"}, headers=auth(key)).status_code)
        else:
            out.append(batch(c, [{"message": "在吗"}] * n, headers=auth(key)).status_code)
    return out


def test_a_batch_spends_one_per_message_of_the_keys_budget(budgeted):
    base, db = budgeted
    with httpx.Client(base_url=base, timeout=30) as c:
        # The role's budget (bot=6): a batch of 6 spends it all.
        assert _codes(c, make_key(db, "bot", ("s",)), [6, 1]) == [200, 429]
        assert _codes(c, make_key(db, "bot", ("s",)), [1, 6]) == [200, 429]
        assert _codes(c, make_key(db, "bot", ("s",)), [7]) == [429]  # more than the budget at once
        # A key's own budget goes before its role's: higher or lower.
        assert _codes(c, make_key(db, "bot", ("s",), budget_per_minute=10), [10, 1]) == [200, 429]
        assert _codes(c, make_key(db, "agent", ("s",), budget_per_minute=2), [1, 1, 1]) == [200, 200, 429]
        # Other roles: RATE_LIMIT_PER_MINUTE; 0 as a key's budget: no limit.
        assert _codes(c, make_key(db, "agent", ("s",)), [100, 100, 1]) == [200, 200, 200]
        assert _codes(c, make_key(db, "bot", ("s",), budget_per_minute=0), [100, 100, 1]) == [200, 200, 200]
        r = batch(c, [{"message": "在吗"}] * 7, headers=auth(make_key(db, "bot", ("s",))))
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60


def test_the_admin_api_makes_a_key_with_its_own_budget(client):
    r = client.post("/v1/admin/keys", json={"role": "bot", "shops": ["s"], "budget_per_minute": 30000})
    assert r.status_code == 201 and r.json()["budget_per_minute"] == 30000
    listed = {k["id"]: k for k in client.get("/v1/admin/keys").json()["keys"]}
    assert listed[r.json()["id"]]["budget_per_minute"] == 30000
    plain = client.post("/v1/admin/keys", json={"role": "bot", "shops": ["s"]}).json()
    assert plain["budget_per_minute"] is None
    assert (
        client.post("/v1/admin/keys", json={"role": "bot", "shops": ["s"], "budget_per_minute": -1}).status_code == 422
    )
