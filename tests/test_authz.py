"""The authorisation matrix: every route × {anonymous, bot, agent, editor, supervisor, admin}, on a real server.

A route added without an entry here fails ``test_every_route_is_in_the_matrix``: deciding who may call
it is part of adding it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.auth import service as keys
from app.auth.roles import Role
from app.main import create_app
from tests.conftest import auth, make_key

ROLES = ("bot", "agent", "editor", "supervisor", "admin")
ALL, NONE = frozenset(ROLES), frozenset()
CASES = frozenset({"bot", "agent", "supervisor", "admin"})
APPROVERS = frozenset({"supervisor", "admin"})  # the 店长 decides amounts above the agents' range
# Public: liveness and readiness, the API's own documentation (no data), and page shells that hold no stored data and
# fetch everything with the key the chat client hands them (the sidebar) or the user types (sign-in).
PUBLIC = None
MATRIX: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,  # whether the database answers and which content is live: no stored data
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/static/apidocs"): PUBLIC,  # Swagger UI and ReDoc (app/apidocs.py)
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/sidebar"): PUBLIC,
    ("GET", "/demo"): PUBLIC,
    ("GET", "/queue"): PUBLIC,  # a shell: its data comes from /v1/queue with the key in the URL fragment
    ("GET", "/editor/login"): PUBLIC,
    ("POST", "/editor/login"): PUBLIC,
    ("POST", "/editor/logout"): PUBLIC,  # ends the session its cookie names, if any: nothing to authorise
    ("POST", "/integrations/chatwoot/webhook"): PUBLIC,  # Chatwoot's signature, not a key (404 when off)
    ("POST", "/v1/suggest"): ALL,
    ("POST", "/v1/suggest/batch"): ALL,
    ("POST", "/v1/refund-quote"): ALL,
    ("GET", "/v1/intents"): ALL,
    ("POST", "/v1/cases"): CASES,
    ("GET", "/v1/cases"): CASES,
    ("GET", "/v1/cases/{case_id}"): CASES,
    ("GET", "/v1/cases/{case_id}/timeline"): CASES,
    ("POST", "/v1/cases/{case_id}/events"): CASES,
    ("POST", "/v1/cases/{case_id}/evidence/{evidence_id}/received"): CASES,
    ("POST", "/v1/cases/{case_id}/follow-ups"): CASES,
    ("POST", "/v1/follow-ups/{follow_up_id}/done"): CASES,
    ("GET", "/v1/follow-ups/overdue"): CASES,
    ("POST", "/v1/cases/{case_id}/status"): CASES,
    ("PATCH", "/v1/cases/{case_id}"): CASES,
    ("GET", "/v1/register.csv"): frozenset({"agent", "editor", "supervisor", "admin"}),
    ("GET", "/v1/register.xlsx"): frozenset({"agent", "editor", "supervisor", "admin"}),
    ("GET", "/v1/stats"): frozenset({"agent", "editor", "supervisor", "admin"}),
    ("GET", "/v1/approvals"): APPROVERS,
    ("POST", "/v1/approvals/{approval_id}/decision"): APPROVERS,
    ("GET", "/v1/queue"): CASES,
    ("GET", "/v1/cases/{case_id}/next"): CASES,
    ("POST", "/v1/cases/{case_id}/choose"): CASES,
    ("GET", "/v1/scripts"): ALL,
    ("GET", "/v1/phrasebook"): ALL,
    ("POST", "/v1/admin/reload"): frozenset({"editor", "admin"}),  # agents and bots never rewrite the phrasebook
    ("GET", "/v1/phrasebook/status"): ALL,
    ("GET", "/v1/phrasebook/history"): ALL,
    ("GET", "/editor/preview"): ALL,  # the key from the header or the /editor cookie
    ("GET", "/v1/admin/keys"): frozenset({"admin"}),
    ("POST", "/v1/admin/keys"): frozenset({"admin"}),
    ("POST", "/v1/admin/keys/{key_id}/revoke"): frozenset({"admin"}),
    ("GET", "/metrics"): frozenset({"admin"}),  # per-shop figures; or METRICS_TOKEN (tests/test_metrics.py)
    ("POST", "/v1/outbound/targets"): APPROVERS,  # the 店长 manages the shop's webhooks and group robots
    ("GET", "/v1/outbound/targets"): APPROVERS,
    ("PATCH", "/v1/outbound/targets/{target_id}"): APPROVERS,
    ("GET", "/v1/outbound/deliveries"): APPROVERS,
    ("POST", "/v1/outbound/deliveries/{delivery_id}/redeliver"): APPROVERS,
    ("POST", "/v1/admin/erasure"): frozenset({"admin"}),  # 删除权: only admins erase a buyer's data
    ("GET", "/v1/admin/privacy-log"): frozenset({"admin"}),
}
WEEK = {"start": "2026-01-01T00:00:00+08:00", "end": "2030-01-01T00:00:00+08:00"}


def routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every (method, path) the app answers, included routers flattened; mounts count as GET."""
    found = set()
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for r in contexts:
            methods = getattr(r, "methods", None) or {"GET"}
            found |= {(m, r.path) for m in methods if m != "HEAD"}
    return found


def test_every_route_is_in_the_matrix():
    assert routes(create_app()) == set(MATRIX)


@pytest.fixture(scope="module")
def world(client, database):
    """Keys of every role for shop-a, and a case, a follow-up and a spare key to act on."""
    role_keys = {r: make_key(database, r, ("*",) if r == "admin" else ("shop-a",)) for r in ROLES}
    case = client.post(
        "/v1/cases", json={"shop_id": "shop-a", "intent": "damaged", "conversation_id": "authz-a"}
    ).json()
    follow_up = client.post(
        f"/v1/cases/{case['id']}/follow-ups", json={"what": "回访", "due_at": "2030-01-01T10:00:00+08:00"}
    ).json()
    other = client.post(
        "/v1/cases", json={"shop_id": "shop-b", "intent": "damaged", "conversation_id": "authz-b"}
    ).json()
    asking = client.post(
        "/v1/cases", json={"shop_id": "shop-a", "intent": "damaged", "conversation_id": "authz-approval"}
    ).json()
    approval = client.patch(
        f"/v1/cases/{asking['id']}", json={"version": asking["version"], "remedy": "compensate", "amount": "50"}
    ).json()["approval"]
    return {"keys": role_keys, "case": case, "follow_up": follow_up, "other": other, "approval": approval}


def request_for(method: str, path: str, world: dict, database) -> dict:  # type: ignore[no-untyped-def]
    """A well-formed request for the route, so that an allowed caller gets past validation."""
    case_id = world["case"]["id"]
    url = (
        path.replace("{case_id}", str(case_id))
        .replace("{evidence_id}", "box_photos")
        .replace("{follow_up_id}", str(world["follow_up"]["id"]))
        .replace("{approval_id}", str(world["approval"]["id"]))
        .replace("{target_id}", "1")  # a 404 for a caller allowed in is enough here: the point is 401/403
        .replace("{delivery_id}", "1")
    )
    if "{key_id}" in url:
        url = url.replace("{key_id}", make_key(database, "bot", ("shop-a",)).split("_")[1])
    bodies = {
        "/v1/suggest": {"message": "杯子碎了", "shop_id": "shop-a"},
        "/v1/suggest/batch": {"items": [{"message": "杯子碎了", "shop_id": "shop-a"}]},
        "/v1/refund-quote": {
            "items": [{"id": "a", "price": "10.00", "quantity": 1}],
            "postage": "0",
            "discounts": [],
            "refund_items": [{"id": "a", "quantity": 1}],
        },
        "/v1/cases": {"shop_id": "shop-a", "intent": "damaged", "conversation_id": "authz-a"},
        f"/v1/cases/{case_id}/events": {"type": "note", "data": {"text": "matrix"}},
        f"/v1/cases/{case_id}/follow-ups": {"what": "回访", "due_at": "2030-01-01T10:00:00+08:00"},
        f"/v1/cases/{case_id}/status": {"status": "open", "version": 1},
        f"/v1/cases/{case_id}": {"version": 1, "assignee": "小王"},
        "/v1/admin/keys": {"role": "bot", "shops": ["shop-a"]},
        "/v1/admin/erasure": {"shop_id": "shop-a", "conversation_id": "authz-nobody", "dry_run": True},
        f"/v1/approvals/{world['approval']['id']}/decision": {"decision": "approve"},
        f"/v1/cases/{case_id}/choose": {"script_id": "damaged.ask_evidence"},
        "/editor/login": None,
        # A literal public address (no DNS in CI) and an event the matrix never causes: nothing is ever sent.
        "/v1/outbound/targets": {
            "shop_id": "shop-a",
            "kind": "webhook",
            "url": "https://1.1.1.1/x",
            "events": ["case.closed"],
        },
        "/v1/outbound/targets/1": {"label": "matrix"},
    }
    params = WEEK if path in ("/v1/register.csv", "/v1/register.xlsx", "/v1/stats") else None
    if path == "/v1/scripts":
        params = {"q": "破损", "shop_id": "shop-a"}
    body = bodies.get(url, {} if method in ("POST", "PATCH") else None)
    return {"method": method, "url": "/static/sidebar.js" if url == "/static" else url, "json": body, "params": params}


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_route_by_role(server, world, database, method, path):
    allowed = MATRIX[(method, path)]
    with httpx.Client(base_url=server, timeout=10) as anonymous:
        r = anonymous.request(**request_for(method, path, world, database))
        assert r.status_code < 500
        if allowed is PUBLIC:
            assert r.status_code not in (401, 403), r.text
            return
        assert r.status_code == 401, r.text
        assert r.json()["error"]["code"] == "unauthorized" and r.headers["www-authenticate"] == "Bearer"
        for role in ROLES:
            r = anonymous.request(**request_for(method, path, world, database), headers=auth(world["keys"][role]))
            assert r.status_code < 500, (role, r.text)
            if role in allowed:
                assert r.status_code not in (401, 403), (role, r.text)
            else:
                assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", (role, r.text)


def test_wrong_revoked_expired_and_malformed_keys_get_one_answer(server, database):
    with database.unit_of_work() as s:
        expiring = keys.create(
            s, Role.agent, ["shop-a"], datetime.now(UTC), expires_at=datetime.now(UTC) + timedelta(seconds=1)
        )
        revoked = keys.create(s, Role.agent, ["shop-a"], datetime.now(UTC))
        keys.revoke(s, revoked.key.id, datetime.now(UTC))
    key_id = expiring.secret.split("_")[1]
    candidates = {
        "none": None,
        "wrong secret": f"shk_{key_id}_" + "A" * 43,
        "unknown id": "shk_000000000000_" + "A" * 43,
        "malformed": "hello",
        "revoked": revoked.secret,
        "expired": expiring.secret,
    }
    import time

    time.sleep(1.1)
    answers = {}
    with httpx.Client(base_url=server, timeout=10) as c:
        for name, token in candidates.items():
            r = c.get("/v1/cases", headers=auth(token) if token else {})
            answers[name] = (r.status_code, r.text, r.headers.get("www-authenticate"))
    assert set(answers.values()) == {answers["none"]}, answers
    assert answers["none"][0] == 401


@pytest.mark.parametrize("name", ["key", "api_key", "token", "access_token", "API_KEY"])
def test_a_key_in_the_query_string_is_refused(server, admin_key, name):
    r = httpx.get(f"{server}/v1/intents", params={name: admin_key}, headers=auth(admin_key), timeout=10)
    assert r.status_code == 401 and r.json()["error"]["code"] == "key_in_query"
    assert admin_key not in r.text


def test_another_shops_case_is_the_same_404_as_a_missing_one(server, world):
    bot = auth(world["keys"]["bot"])
    other, missing = world["other"]["id"], 2**31 - 1
    with httpx.Client(base_url=server, timeout=10, headers=bot) as c:
        for template in ("/v1/cases/{}", "/v1/cases/{}/timeline"):
            theirs, nobody = c.get(template.format(other)), c.get(template.format(missing))
            assert theirs.status_code == nobody.status_code == 404
            assert theirs.text.replace(str(other), "N") == nobody.text.replace(str(missing), "N")
        for path, body in (
            ("/v1/cases/{}/events", {"type": "note", "data": {"text": "x"}}),
            ("/v1/cases/{}/status", {"status": "resolved", "version": 1}),
            ("/v1/cases/{}/follow-ups", {"what": "x", "due_at": "2030-01-01T10:00:00+08:00"}),
        ):
            assert c.post(path.format(other), json=body).status_code == 404
        assert c.patch(f"/v1/cases/{other}", json={"version": 1, "assignee": "x"}).status_code == 404
        # A case-aware suggestion pinned to another shop's case finds nothing either.
        r = c.post("/v1/suggest", json={"message": "杯子碎了", "case_id": other})
        assert r.status_code == 404
        # Listings show only the key's shops, and naming another shop is refused.
        listed = c.get("/v1/cases", params={"page_size": 100}).json()["cases"]
        assert listed and {x["shop_id"] for x in listed} == {"shop-a"}
        assert c.get("/v1/cases", params={"shop_id": "shop-b"}).status_code == 403
        assert (
            c.post("/v1/cases", json={"shop_id": "shop-b", "intent": "damaged", "conversation_id": "x"}).status_code
            == 403
        )
        # With no shop named, a one-shop key acts for its shop.
        made = c.post("/v1/cases", json={"intent": "wrong_item", "conversation_id": "authz-default"}).json()
        assert made["shop_id"] == "shop-a"


def test_idempotency_keys_are_private_to_the_caller(server, database):
    a, b = make_key(database, "bot", ("shop-a",)), make_key(database, "bot", ("shop-b",))
    body = {"intent": "damaged", "conversation_id": "idem-shared"}
    with httpx.Client(base_url=server, timeout=10) as c:
        first = c.post("/v1/cases", json=body, headers={**auth(a), "Idempotency-Key": "same"}).json()
        second = c.post("/v1/cases", json=body, headers={**auth(b), "Idempotency-Key": "same"}).json()
    assert (first["shop_id"], second["shop_id"]) == ("shop-a", "shop-b") and first["id"] != second["id"]


def test_admin_creates_lists_and_revokes_keys(client, server):
    made = client.post("/v1/admin/keys", json={"role": "agent", "shops": ["shop-a"], "label": "小王"})
    assert made.status_code == 201
    new = made.json()
    assert new["key"].startswith("shk_") and new["role"] == "agent"
    listed = client.get("/v1/admin/keys").json()["keys"]
    assert any(k["id"] == new["id"] for k in listed) and all("key" not in k and "secret_hash" not in k for k in listed)
    with httpx.Client(base_url=server, timeout=10, headers=auth(new["key"])) as agent:
        assert agent.get("/v1/cases").status_code == 200
        assert agent.post("/v1/admin/reload").status_code == 403
        assert client.post(f"/v1/admin/keys/{new['id']}/revoke").json()["revoked_at"]
        assert agent.get("/v1/cases").status_code == 401  # revoked through this instance: at once
    bad = client.post("/v1/admin/keys", json={"role": "root", "shops": ["x"]})
    assert bad.status_code == 422
    assert client.post("/v1/admin/keys", json={"role": "bot", "shops": ["a b"]}).status_code == 422
    assert client.post("/v1/admin/keys/0123456789ab/revoke").status_code == 404


@pytest.fixture(scope="module")
def default_shop_case(client):
    """A case in the shared default shop (made by an all-shop key naming no shop), with a phone number in it."""
    case = client.post(
        "/v1/cases",
        json={
            "intent": "damaged",
            "conversation_id": "chatwoot-7001",
            "order_id": "ORD-7001",
            "buyer_ref": "王女士 13812345678",
        },
    ).json()
    assert case["shop_id"] == "default"
    return case


@pytest.mark.parametrize("role", ["bot", "agent"])
def test_a_key_for_several_shops_never_reaches_the_default_shop(server, database, default_shop_case, role):
    # The hole: a key for shop-a and shop-b naming no shop was sent to shop "default", where its scope was
    # never checked; it found (and wrote into) the cases there by their guessable conversation ids.
    two = auth(make_key(database, role, ("shop-a", "shop-b")))
    with httpx.Client(base_url=server, timeout=10, headers=two) as c:
        for body in (
            {"intent": "damaged", "conversation_id": "chatwoot-7001"},
            {"intent": "damaged", "order_id": "ORD-7001"},
        ):
            r = c.post("/v1/cases", json=body)
            assert r.status_code == 422 and r.json()["error"]["code"] == "shop_required", r.text
            assert "13812345678" not in r.text and "chatwoot-7001" not in r.text
        r = c.post("/v1/suggest", json={"message": "杯子碎了", "conversation_id": "chatwoot-7001"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "shop_required", r.text
        r = c.post("/v1/suggest", json={"message": "杯子碎了", "order": {"id": "ORD-7001"}, "conversation_id": "x"})
        assert r.status_code == 422, r.text
        # Naming the default shop is naming another shop: refused, as any shop outside the key's scope.
        assert (
            c.post(
                "/v1/cases", json={"shop_id": "default", "intent": "damaged", "conversation_id": "chatwoot-7001"}
            ).status_code
            == 403
        )
        assert (
            c.post(
                "/v1/suggest", json={"message": "杯子碎了", "shop_id": "default", "conversation_id": "chatwoot-7001"}
            ).status_code
            == 403
        )
        assert c.get(f"/v1/cases/{default_shop_case['id']}").status_code == 404
        # A plain suggestion writes nothing and needs no shop; naming one of its shops works as before.
        assert c.post("/v1/suggest", json={"message": "杯子碎了"}).status_code == 200
        mine = c.post(
            "/v1/cases", json={"shop_id": "shop-b", "intent": "damaged", "conversation_id": f"chatwoot-7001-{role}"}
        )
        assert mine.status_code == 201 and mine.json()["shop_id"] == "shop-b"
        assert mine.json()["id"] != default_shop_case["id"]
        # A case it may see, pinned by id, needs no shop named: the case brings its own.
        r = c.post("/v1/suggest", json={"message": "照片发你了", "case_id": mine.json()["id"]})
        assert r.status_code == 200 and [x["id"] for x in r.json()["cases"]] == [mine.json()["id"]]
    admin = auth(make_key(database, "admin"))
    timeline = httpx.get(f"{server}/v1/cases/{default_shop_case['id']}/timeline", headers=admin, timeout=10).json()
    assert not [e for e in timeline if e["type"] == "message_received"], "a foreign key wrote into the case"


def test_a_key_whose_shops_include_default_may_use_it(server, database, default_shop_case):
    key = auth(make_key(database, "bot", ("default", "shop-a")))
    r = httpx.post(
        f"{server}/v1/cases", json={"intent": "damaged", "conversation_id": "chatwoot-7001"}, headers=key, timeout=10
    )
    assert r.status_code == 200 and r.json()["id"] == default_shop_case["id"]


def test_opening_a_case_outside_the_callers_scope_is_refused_in_the_service(database):
    from app.cases import service
    from app.errors import Forbidden

    with database.unit_of_work() as s, pytest.raises(Forbidden):
        service.open_or_find(
            s,
            shop_id="default",
            scope=("shop-a", "shop-b"),
            intent="damaged",
            now=datetime.now(UTC),
            conversation_id="chatwoot-7001",
        )
