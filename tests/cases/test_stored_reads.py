"""Whatever is stored can be read back: input that the timeline, the case reads or the 登记表格 could not carry
is refused when it is written (422 naming the field), on SQLite and PostgreSQL.

Each test writes the raw bytes a client could send (json.dumps would refuse NaN, and httpx's json= escapes
nothing the tests need), then reads back everything a key can read about the case.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.cases.models import Case, CaseEvent
from app.db.migrate import upgrade
from app.db.session import Database
from app.main import create_app
from app.settings import Settings
from tests.conftest import TEST_SETTINGS, auth, free_port, make_key, run_server

JSON = {"content-type": "application/json"}
WINDOW = {"start": "2000-01-02T00:00:00+08:00", "end": "2099-12-31T00:00:00+08:00"}


def new_case(client, **fields) -> dict:
    shop = f"reads-{uuid.uuid4().hex[:8]}"
    body = {"shop_id": shop, "intent": "damaged", "conversation_id": f"c-{uuid.uuid4().hex[:8]}", **fields}
    r = client.post("/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def post_raw(client, path: str, raw: str):
    return client.post(path, content=raw.encode("utf-8", "surrogatepass"), headers=JSON)


def readable(client, case: dict) -> None:
    """Every read of the case and its shop's exports answers (the state the finding left behind was a 500)."""
    assert client.get(f"/v1/cases/{case['id']}").status_code == 200
    assert client.get(f"/v1/cases/{case['id']}/timeline").status_code == 200
    for export in ("/v1/register.csv", "/v1/register.xlsx"):
        r = client.get(export, params={**WINDOW, "shop_id": case["shop_id"]})
        assert r.status_code == 200, (export, r.text[:200])


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_non_finite_numbers_in_event_data_are_422(client, number):
    case = new_case(client)
    for raw in (
        f'{{"type": "note", "data": {{"text": "x", "amount": {number}}}}}',
        f'{{"type": "note", "data": {{"items": [1, {{"n": {number}}}]}}}}',
    ):
        r = post_raw(client, f"/v1/cases/{case['id']}/events", raw)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["fields"][0]["field"] == "body"
    readable(client, case)
    assert [e["type"] for e in client.get(f"/v1/cases/{case['id']}/timeline").json()] == []


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("events", r'{"type": "note", "data": {"text": "a\ud800b"}}'),
        ("events", r'{"type": "note", "data": {"\udc00": "key"}}'),
        ("events", r'{"type": "note", "actor": "\ud83d", "data": {}}'),
        ("follow-ups", r'{"what": "\udfff", "due_at": "2030-01-01T00:00:00+08:00"}'),
        ("/v1/cases", r'{"intent": "damaged", "conversation_id": "x", "buyer_ref": "\ud800"}'),
        ("/v1/admin/keys", r'{"role": "bot", "shops": ["a"], "label": "\ud800"}'),
    ],
)
def test_lone_surrogates_are_422(client, path, raw):
    case = new_case(client)
    target = path if path.startswith("/") else f"/v1/cases/{case['id']}/{path}"
    r = post_raw(client, target, raw)
    assert r.status_code == 422, r.text
    assert "\\ud8" not in r.text and "\\udc" not in r.text  # nothing of the input comes back
    readable(client, case)


def test_a_lone_surrogate_in_a_suggestion_is_refused_not_a_500(client):
    r = post_raw(client, "/v1/suggest", r'{"message": "杯子碎了\ud800", "conversation_id": "surrogate-1"}')
    assert r.status_code in (400, 422), r.text


@pytest.mark.parametrize("depth", [21, 300, 900])
def test_event_data_nested_deeper_than_20_levels_is_422(client, depth):
    case = new_case(client)
    nested = "[" * (depth - 1) + "]" * (depth - 1)  # inside the body's object: depth levels in all
    r = post_raw(client, f"/v1/cases/{case['id']}/events", f'{{"type": "note", "data": {{"a": {nested}}}}}')
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"][0]["field"] == "body"
    readable(client, case)


def test_event_data_within_the_limit_is_stored_and_read_back(client):
    case = new_case(client)
    nested: object = {"text": "已补发\n第二行\t制表"}
    for _ in range(17):  # with the body's own object and data: 20 levels
        nested = {"n": nested}
    r = client.post(f"/v1/cases/{case['id']}/events", json={"type": "note", "data": {"deep": nested, "x": 1.5}})
    assert r.status_code == 201, r.text
    back = client.get(f"/v1/cases/{case['id']}/timeline").json()[-1]["data"]
    assert back == {"deep": nested, "x": 1.5}
    readable(client, case)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("buyer_ref", "张三\x07"),
        ("buyer_ref", "a\nb"),  # a line break in an id column breaks the row for whoever reads it
        ("order_id", "A\x1b[31m"),
        ("conversation_id", "c\x0bd"),
        ("buyer_ref", "x\x7f"),
        ("buyer_ref", "x\u0085"),
    ],
)
def test_control_characters_in_columns_the_register_exports_are_422(client, field, value):
    body = {"shop_id": "ctl-shop", "intent": "damaged", "conversation_id": f"ctl-{uuid.uuid4().hex[:8]}"}
    r = client.post("/v1/cases", json={**body, field: value})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"][0]["field"] == f"body.{field}"
    for export in ("/v1/register.csv", "/v1/register.xlsx"):
        assert client.get(export, params={**WINDOW, "shop_id": "ctl-shop"}).status_code == 200


def test_control_characters_in_free_text_are_422_line_breaks_and_tabs_are_kept(client):
    case = new_case(client)
    events = f"/v1/cases/{case['id']}/events"
    assert client.post(events, json={"type": "note", "data": {"text": "铃声\x07"}}).status_code == 422
    assert client.post(events, json={"type": "note", "data": {"text": "ok", "more": ["\x1b"]}}).status_code == 422
    follow_up = {"what": "回访\x0c", "due_at": "2030-01-01T00:00:00+08:00"}
    assert client.post(f"/v1/cases/{case['id']}/follow-ups", json=follow_up).status_code == 422
    patch = client.patch(f"/v1/cases/{case['id']}", json={"version": case["version"], "assignee": "小王\x08"})
    assert patch.status_code == 422 and patch.json()["error"]["fields"][0]["field"] == "body.assignee"
    assert client.post(events, json={"type": "note", "data": {"text": "第一行\r\n第二行\t完"}}).status_code == 201
    follow_up = {"what": "回访\n确认", "due_at": "2030-01-01T00:00:00+08:00"}
    assert client.post(f"/v1/cases/{case['id']}/follow-ups", json=follow_up).status_code == 201
    readable(client, case)
    from openpyxl import load_workbook

    x = client.get("/v1/register.xlsx", params={**WINDOW, "shop_id": case["shop_id"]})
    row = [c.value for c in load_workbook(io.BytesIO(x.content)).active[2]]
    assert row[14] == "第一行\n第二行\t完"  # XML reads a stored \r\n back as \n


def test_a_suggestion_with_a_control_character_in_its_ids_is_422(client):
    for body in (
        {"message": "杯子碎了", "conversation_id": "conv\x01", "shop_id": "ctl-shop"},
        {"message": "杯子碎了", "conversation_id": "conv-ok", "shop_id": "ctl-shop", "order": {"id": "A\x00B"}},
        {"message": "杯子碎了", "conversation_id": "conv-ok", "shop_id": "ctl-shop", "order": {"id": "A\x1fB"}},
    ):
        r = client.post("/v1/suggest", json=body)
        assert r.status_code == 422, r.text
    # Buyers' messages themselves may hold whatever their chat client sent: they go to no export column.
    assert client.post("/v1/suggest", json={"message": "杯子碎了\x0b\x07"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("status", {"status": "waiting_buyer", "version": True}),
        ("patch", {"version": True, "assignee": "小王"}),
        ("/v1/suggest", {"message": "少了一件", "order": {"items": [{"price": "1.00", "quantity": True}]}}),
        ("/v1/suggest", {"message": "杯子碎了", "case_id": True}),
        ("/v1/suggest", {"message": "杯子碎了", "order": {"shipping_insurance": 1}}),
        ("/v1/refund-quote", {"items": [{"id": "A", "price": "1.00", "quantity": True}], "refund_items": ["A"]}),
        ("/v1/refund-quote", {"items": [{"id": "A", "price": True}], "refund_items": ["A"]}),
    ],
)
def test_booleans_and_numbers_are_not_each_other(client, path, body):
    case = new_case(client)
    if path == "status":
        r = client.post(f"/v1/cases/{case['id']}/status", json=body)
    elif path == "patch":
        r = client.patch(f"/v1/cases/{case['id']}", json=body)
    else:
        r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    assert client.get(f"/v1/cases/{case['id']}").json()["version"] == case["version"]


@pytest.mark.parametrize("day", ["1950-01-01", "1999-12-31", "2100-01-01", "0001-01-01"])
def test_a_date_only_signed_at_must_be_within_2000_2099(client, day):
    r = client.post(
        "/v1/suggest",
        json={
            "message": "衣服不喜欢 想七天无理由退了",
            "order": {"status": "signed", "signed_at": day},
            "now": "2026-11-23T08:30:00+08:00",
        },
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"][0]["field"].startswith("body.order.signed_at")
    ok = {"status": "signed", "signed_at": "2026-11-15"}
    body = {"message": "衣服不喜欢 想七天无理由退了", "order": ok, "now": "2026-11-23T08:30:00+08:00"}
    assert client.post("/v1/suggest", json=body).status_code == 200


# ---- Rows a database already holds from before these checks: they must not make reads fail either ----


@pytest.fixture
def sqlite_server(engine, tmp_path):
    """SQLite alone: it is the engine that took NaN in a JSON column (PostgreSQL's json refuses it)."""
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    upgrade(url)
    db = Database(url)
    port = free_port()
    srv = run_server(create_app(Settings(port=port, **TEST_SETTINGS), engine, db), port)
    yield f"http://127.0.0.1:{port}", db
    srv.should_exit = True
    db.dispose()


def test_rows_stored_before_the_checks_are_still_read(sqlite_server):
    import httpx
    from openpyxl import load_workbook

    base, db = sqlite_server
    now = datetime.now(UTC)
    with db.unit_of_work() as s:
        case = Case(
            shop_id="legacy", intent="damaged", conversation_id="old\x07id", buyer_ref="张三\x07\x1b", status="open"
        )
        case.created_at = case.updated_at = now - timedelta(minutes=1)
        s.add(case)
        s.flush()
        s.add(CaseEvent(case_id=case.id, type="note", at=now, data={"inf": [float("inf"), float("-inf")]}))
        s.add(CaseEvent(case_id=case.id, type="note", at=now, data={"text": "旧\x0b备注", "n": float("nan")}))
        case_id = case.id
    with httpx.Client(base_url=base, timeout=10, headers=auth(make_key(db))) as c:
        timeline = c.get(f"/v1/cases/{case_id}/timeline")
        assert timeline.status_code == 200, timeline.text
        assert [e["data"] for e in json.loads(timeline.text)] == [
            {"inf": [None, None]},
            {"text": "旧\x0b备注", "n": None},
        ]
        x = c.get("/v1/register.xlsx", params={**WINDOW, "shop_id": "legacy"})
        assert x.status_code == 200, x.text
        row = [cell.value for cell in load_workbook(io.BytesIO(x.content)).active[2]]
        assert row[5] == "张三\ufffd\ufffd" and row[14] == "旧\ufffd备注"
        assert c.get("/v1/register.csv", params={**WINDOW, "shop_id": "legacy"}).status_code == 200
