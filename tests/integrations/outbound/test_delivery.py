"""Outbound events end to end, on SQLite and PostgreSQL: a real service (its own database and worker) delivering
to fake receivers on loopback (OUTBOUND_ALLOW_PRIVATE=true, as only tests should): signed webhooks, the robots'
documented bodies and signatures, retries after a 500, the delivery log, redelivery, and keys of one shop never
reaching another's targets or log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from app.db.session import Database
from app.main import create_app
from app.settings import Settings
from tests.conftest import TEST_SETTINGS, auth, free_port, make_key, run_server
from tests.dbs import ENGINES, fresh_database
from tests.integrations.outbound.receivers import DINGTALK_OK, FEISHU_OK, WECOM_OK, Receiver

FAST = {
    **TEST_SETTINGS,
    "outbound_allow_private": True,
    "outbound_poll_seconds": 0.05,
    "outbound_retry_seconds": 0.05,
    "outbound_retry_cap_seconds": 0.2,
    "outbound_max_attempts": 3,
}


@pytest.fixture(scope="module", params=ENGINES)
def service(request, engine, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """A service with its own database (no other server's worker takes its deliveries) and an admin client."""
    with fresh_database(request.param, tmp_path_factory.mktemp("outbound")) as url:
        db = Database(url)
        port = free_port()
        srv = run_server(create_app(Settings(port=port, **FAST), engine, db), port)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10, headers=auth(make_key(db))) as admin:
            yield {"base": base, "db": db, "admin": admin}
        srv.should_exit = True
        time.sleep(0.2)
        db.dispose()


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(answers: list[tuple[int, bytes]] | None = None) -> Receiver:
        made.append(Receiver(answers))
        return made[-1]

    yield make
    for r in made:
        r.close()


def wait_for(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def shop() -> str:
    return f"ob-{uuid.uuid4().hex[:8]}"


def open_case(client: httpx.Client, shop_id: str) -> dict[str, Any]:
    r = client.post("/v1/cases", json={"shop_id": shop_id, "intent": "damaged", "conversation_id": f"c-{shop_id}"})
    assert r.status_code in (200, 201), r.text
    return r.json()


def ask_approval(client: httpx.Client, case: dict[str, Any], amount: str = "80") -> dict[str, Any]:
    r = client.patch(
        f"/v1/cases/{case['id']}", json={"version": case["version"], "remedy": "compensate", "amount": amount}
    )
    assert r.status_code == 200, r.text
    return r.json()["approval"]


def deliveries(client: httpx.Client, shop_id: str, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/v1/outbound/deliveries", params={"shop_id": shop_id, **params})
    assert r.status_code == 200, r.text
    return r.json()["deliveries"]


def verify(secret: str, got: Any) -> bool:
    """A receiver's check, as the README shows it: HMAC-SHA256 over "<timestamp>.<raw body>"."""
    ts = got.headers["x-shouhou-timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + got.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, got.headers["x-shouhou-signature"])


def test_a_webhook_gets_each_event_signed_and_the_log_shows_it(service, receiver):
    admin, sid, rx = service["admin"], shop(), receiver()
    r = admin.post("/v1/outbound/targets", json={"shop_id": sid, "kind": "webhook", "url": rx.url + "/hook"})
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    assert secret.startswith("whsec_") and r.json()["events"][0] == "case.opened"
    listed = admin.get("/v1/outbound/targets", params={"shop_id": sid})
    assert secret not in listed.text and listed.json()["targets"][0]["has_secret"] is True

    case = open_case(admin, sid)
    wait_for(lambda: len(rx.received) == 1)
    got = rx.received[0]
    event = got.json()
    assert event["type"] == "case.opened" and event["shop_id"] == sid and event["data"]["case"]["id"] == case["id"]
    assert got.headers["x-shouhou-event"] == "case.opened" and got.headers["x-shouhou-event-id"] == event["id"]
    assert got.path == "/hook" and verify(secret, got)
    assert not verify("whsec_another", got)

    wait_for(lambda: deliveries(admin, sid)[0]["status"] == "delivered")
    (d,) = deliveries(admin, sid)
    assert d["event_id"] == event["id"] and d["event_type"] == "case.opened" and d["case_id"] == case["id"]
    assert d["attempts"] == 1 and d["log"][0]["status_code"] == 200 and d["log"][0]["error"] is None

    # Approval asked and decided, then the case resolved and closed: each its event, in order.
    approval = ask_approval(admin, case)
    assert admin.post(f"/v1/approvals/{approval['id']}/decision", json={"decision": "approve"}).status_code == 200
    now = admin.get(f"/v1/cases/{case['id']}").json()
    assert (
        admin.post(f"/v1/cases/{case['id']}/status", json={"status": "resolved", "version": now["version"]}).status_code
        == 200
    )
    wait_for(lambda: len(rx.received) == 4)
    assert [x.json()["type"] for x in rx.received] == [
        "case.opened",
        "approval.needed",
        "approval.decided",
        "case.resolved",
    ]
    assert all(verify(secret, x) for x in rx.received)
    decided = rx.received[2].json()["data"]
    assert decided["approval"]["status"] == "approved" and decided["approval"]["amount"] == "80.00"


def test_a_500_is_retried_with_the_same_event_id_then_failed_and_redelivered(service, receiver):
    admin, sid = service["admin"], shop()
    rx = receiver([(500, b"down"), (503, b"down"), (500, b"down"), (200, b"ok")])
    admin.post(
        "/v1/outbound/targets", json={"shop_id": sid, "kind": "webhook", "url": rx.url, "secret": "s3cret-s3cret"}
    )
    open_case(admin, sid)
    wait_for(lambda: deliveries(admin, sid)[0]["status"] == "failed")  # OUTBOUND_MAX_ATTEMPTS=3
    (d,) = deliveries(admin, sid)
    assert [a["status_code"] for a in d["log"]] == [500, 503, 500] and d["attempts"] == 3
    assert [a["attempt"] for a in d["log"]] == [1, 2, 3] and all(
        a["error"] == f"HTTP {a['status_code']}" for a in d["log"]
    )
    assert len({x.headers["x-shouhou-event-id"] for x in rx.received}) == 1
    # The waits grew: the second gap is not shorter than the first (backoff doubles, 0.05 s then 0.1 s).
    ats = [a["at"] for a in d["log"]]
    assert ats == sorted(ats)

    r = admin.post(f"/v1/outbound/deliveries/{d['id']}/redeliver")
    assert r.status_code == 202 and r.json()["status"] == "pending"
    wait_for(lambda: deliveries(admin, sid)[0]["status"] == "delivered")
    (d,) = deliveries(admin, sid)
    assert d["attempts"] == 4 and d["log"][-1]["status_code"] == 200
    assert len(rx.received) == 4 and len({x.headers["x-shouhou-event-id"] for x in rx.received}) == 1
    assert all(verify("s3cret-s3cret", x) for x in rx.received)  # each attempt signed anew


def test_robots_get_approvals_in_their_documented_formats_and_signatures(service, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    admin, sid = service["admin"], shop()
    wecom, ding, feishu = receiver([(200, WECOM_OK)]), receiver([(200, DINGTALK_OK)]), receiver([(200, FEISHU_OK)])
    targets = [
        {"kind": "wecom", "url": wecom.url + "/cgi-bin/webhook/send?key=wecom-key-123"},
        {"kind": "dingtalk", "url": ding.url + "/robot/send?access_token=ding-token-456", "secret": "SECding-secret"},
        {"kind": "feishu", "url": feishu.url + "/open-apis/bot/v2/hook/feishu-hook-789", "secret": "feishu-secret"},
    ]
    for t in targets:
        r = admin.post("/v1/outbound/targets", json={"shop_id": sid, **t})
        assert r.status_code == 201, r.text
        assert r.json()["events"] == ["approval.needed", "approval.decided", "followup.overdue"]
        assert r.json()["secret"] is None  # a robot's secret is the group's, never made or shown here
    listed = admin.get("/v1/outbound/targets", params={"shop_id": sid}).text
    for token in ("wecom-key-123", "ding-token-456", "feishu-hook-789", "SECding-secret", "feishu-secret"):
        assert token not in listed

    case = open_case(admin, sid)
    ask_approval(admin, case, "90")
    wait_for(lambda: all(len(r.received) == 1 for r in (wecom, ding, feishu)))
    time.sleep(0.2)
    assert all(len(r.received) == 1 for r in (wecom, ding, feishu))  # case.opened went to no robot

    w = wecom.received[0]
    assert w.path == "/cgi-bin/webhook/send" and w.query == {"key": "wecom-key-123"}
    body = w.json()
    assert body["msgtype"] == "markdown" and "90.00" in body["markdown"]["content"]

    d = ding.received[0]
    assert d.path == "/robot/send" and d.query["access_token"] == "ding-token-456"
    string_to_sign = f"{d.query['timestamp']}\nSECding-secret"
    sign = base64.b64encode(hmac.new(b"SECding-secret", string_to_sign.encode(), hashlib.sha256).digest()).decode()
    assert d.query["sign"] == sign  # parse_qs undid the urlencoding the documentation asks for
    assert abs(int(d.query["timestamp"]) / 1000 - time.time()) < 3600  # 钉钉: within an hour
    assert d.json()["msgtype"] == "markdown" and "90.00" in d.json()["markdown"]["text"]

    f = feishu.received[0].json()
    assert feishu.received[0].path == "/open-apis/bot/v2/hook/feishu-hook-789"
    key = f"{f['timestamp']}\nfeishu-secret".encode()
    assert f["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert f["msg_type"] == "text" and "待审批" in f["content"]["text"]

    wait_for(lambda: all(d["status"] == "delivered" for d in deliveries(admin, sid)))
    # A robot's URL is its credential: no log line of the service carries one, nor a secret.
    assert any(r.threadName == "outbound-worker" for r in caplog.records)  # the deliveries' own lines were seen
    lines = "\n".join(r.getMessage() for r in caplog.records)
    for token in ("wecom-key-123", "ding-token-456", "feishu-hook-789", "SECding-secret", "feishu-secret"):
        assert token not in lines


def test_a_robot_that_answers_an_error_code_is_a_failed_attempt(service, receiver):
    admin, sid = service["admin"], shop()
    rx = receiver([(200, b'{"errcode":93000,"errmsg":"invalid webhook url, hint: [xyz]"}')])
    admin.post("/v1/outbound/targets", json={"shop_id": sid, "kind": "wecom", "url": rx.url + "/send?key=k"})
    ask_approval(admin, open_case(admin, sid))
    wait_for(lambda: deliveries(admin, sid)[0]["status"] == "failed")
    (d,) = deliveries(admin, sid)
    assert d["attempts"] == 3 and {a["status_code"] for a in d["log"]} == {200}
    assert all("93000" in a["error"] and "hint" not in a["error"] for a in d["log"])


def test_a_disabled_target_gets_nothing_more(service, receiver):
    admin, sid, rx = service["admin"], shop(), receiver()
    t = admin.post("/v1/outbound/targets", json={"shop_id": sid, "kind": "webhook", "url": rx.url}).json()
    r = admin.patch(f"/v1/outbound/targets/{t['id']}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    open_case(admin, sid)
    time.sleep(0.3)
    assert rx.received == [] and deliveries(admin, sid) == []


def test_a_shops_key_never_reaches_another_shops_targets_or_log(service, receiver):
    admin, db = service["admin"], service["db"]
    a, b, rx = shop(), shop(), receiver()
    target = admin.post("/v1/outbound/targets", json={"shop_id": a, "kind": "webhook", "url": rx.url}).json()
    open_case(admin, a)
    wait_for(lambda: deliveries(admin, a) != [] and deliveries(admin, a)[0]["status"] == "delivered")
    delivery = deliveries(admin, a)[0]
    with httpx.Client(base_url=service["base"], timeout=10, headers=auth(make_key(db, "supervisor", (b,)))) as other:
        assert other.get("/v1/outbound/deliveries").json()["deliveries"] == []
        assert other.get("/v1/outbound/targets").json()["targets"] == []
        assert other.get("/v1/outbound/deliveries", params={"shop_id": a}).status_code == 403
        assert other.get("/v1/outbound/targets", params={"shop_id": a}).status_code == 403
        r = other.post(f"/v1/outbound/deliveries/{delivery['id']}/redeliver")
        assert r.status_code == 404
        assert other.patch(f"/v1/outbound/targets/{target['id']}", json={"active": False}).status_code == 404
        r = other.post("/v1/outbound/targets", json={"shop_id": a, "kind": "webhook", "url": rx.url})
        assert r.status_code == 403
        # Its own shop, named or not, works.
        assert other.post("/v1/outbound/targets", json={"kind": "webhook", "url": rx.url}).json()["shop_id"] == b
    assert len(rx.received) == 1  # nothing was redelivered
    with httpx.Client(base_url=service["base"], timeout=10, headers=auth(make_key(db, "agent", (a,)))) as agent:
        assert agent.get("/v1/outbound/deliveries").status_code == 403  # agents do not manage integrations


def test_a_private_target_is_refused_when_the_setting_is_off(engine, service):
    port = free_port()
    srv = run_server(create_app(Settings(port=port, **TEST_SETTINGS), engine, service["db"]), port)
    try:
        headers = auth(make_key(service["db"]))
        for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/", "http://169.254.169.254/"):
            r = httpx.post(
                f"http://127.0.0.1:{port}/v1/outbound/targets",
                json={"shop_id": shop(), "kind": "webhook", "url": url},
                headers=headers,
            )
            assert r.status_code == 422 and r.json()["error"]["code"] == "target_refused", r.text
            assert "OUTBOUND_ALLOW_PRIVATE" in r.json()["error"]["message"]
    finally:
        srv.should_exit = True


def test_the_routes_are_documented_with_examples(service):
    spec = service["admin"].get("/openapi.json").json()
    assert "/v1/outbound/deliveries/{delivery_id}/redeliver" in spec["paths"]
    op = spec["paths"]["/v1/outbound/targets"]["post"]
    assert op["operationId"] == "create_outbound_target"
    assert set(op["requestBody"]["content"]["application/json"]["examples"]) == {"webhook", "wecom", "dingtalk"}
