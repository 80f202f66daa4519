"""Erasure of one buyer's data on both engines, through POST /v1/admin/erasure on a real server: by phone, by
buyer reference and by conversation; whatever the case's status; never in another shop, whatever the key; a
dry run changes nothing; the log line and the privacy log say who erased what, masked."""

from __future__ import annotations

import logging
from datetime import datetime

import httpx
import pytest
from sqlalchemy import select

from app.conversations import service as memory
from app.core.clock import SHOP_TZ
from app.core.conversation import Role
from app.privacy.models import PrivacyLog
from tests.conftest import auth, make_key
from tests.privacy.helpers import PHONE, conversation_case, unique


def erase(server: str, key: str, body: dict) -> httpx.Response:
    return httpx.post(f"{server}/v1/admin/erasure", json=body, headers=auth(key), timeout=10)


def remembered(database, shop: str, conversation: str) -> list[str]:  # type: ignore[no-untyped-def]
    with database.unit_of_work() as s:
        return [t.text for t in memory.recall(s, shop, conversation, datetime.now(SHOP_TZ), hours=24)]


def test_erasure_by_phone_reaches_open_cases_and_the_conversation_memory(server, client, database, caplog):
    shop = unique("er-phone")
    conversation = unique("conv")
    case_id = conversation_case(client, shop, conversation, close=False)
    untouched = conversation_case(client, shop, unique("conv"), close=False)
    with database.unit_of_work() as s:  # the same buyer also said the number with no case about it
        elsewhere = unique("conv")
        memory.remember(s, shop, elsewhere, [(Role.BUYER, f"我手机 {PHONE}")], datetime.now(SHOP_TZ), hours=24)
    admin = make_key(database, "admin", (shop,))
    assert remembered(database, shop, conversation)

    with caplog.at_level(logging.INFO, logger="app.privacy"):
        r = erase(server, admin, {"phone": f"+86 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}"})

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["shop_id"] == shop and body["selector"] == f"phone={PHONE[:3]}****{PHONE[7:]}"
    # The second case mentions the same phone (conversation_case writes it), so both are the buyer's.
    assert body["counts"]["cases"] == 2 and body["counts"]["turns"] >= 3 and body["counts"]["events"] >= 6
    assert PHONE[7:] not in client.get(f"/v1/cases/{case_id}/timeline").text
    assert PHONE[7:] not in client.get(f"/v1/cases/{untouched}/timeline").text
    assert remembered(database, shop, conversation) == [] and remembered(database, shop, elsewhere) == []
    assert client.get(f"/v1/cases/{case_id}").json()["status"] == "open"  # erased, still workable
    line = next(r.getMessage() for r in caplog.records if "erasure" in r.getMessage())
    assert f"{PHONE[:3]}****{PHONE[7:]}" in line and shop in line and admin.split("_")[1] in line
    with database.unit_of_work() as s:
        row = s.scalars(select(PrivacyLog).where(PrivacyLog.shop_id == shop)).one()
        assert (row.action, row.actor, row.selector) == ("erasure", admin.split("_")[1], body["selector"])


def test_erasure_by_buyer_ref_and_by_conversation(server, client, database):
    shop = unique("er-ref")
    admin = make_key(database, "admin", (shop,))
    ref_case = client.post(
        "/v1/cases",
        json={"shop_id": shop, "intent": "complaint", "conversation_id": unique("c"), "buyer_ref": "tb_小明88"},
    ).json()
    client.post(f"/v1/cases/{ref_case['id']}/events", json={"type": "note", "data": {"text": "买家小明很着急"}})
    other_ref = client.post(
        "/v1/cases",
        json={"shop_id": shop, "intent": "complaint", "conversation_id": unique("c"), "buyer_ref": "tb_别人"},
    ).json()
    conversation = unique("conv")
    conv_case = conversation_case(client, shop, conversation)

    r = erase(server, admin, {"buyer_ref": "tb_小明88"})
    assert r.status_code == 200 and r.json()["counts"]["cases"] == 1, r.text
    assert "tb_小明88" not in r.text and r.json()["selector"].startswith("buyer_ref=t***")
    erased = client.get(f"/v1/cases/{ref_case['id']}").json()
    assert erased["buyer_ref"] is None and "小明很着急" not in client.get(f"/v1/cases/{ref_case['id']}/timeline").text
    assert client.get(f"/v1/cases/{other_ref['id']}").json()["buyer_ref"] == "tb_别人"

    r = erase(server, admin, {"conversation_id": conversation})
    assert r.status_code == 200 and r.json()["counts"]["cases"] == 1 and r.json()["counts"]["turns"] >= 1, r.text
    assert "文三路" not in client.get(f"/v1/cases/{conv_case}/timeline").text
    assert remembered(database, shop, conversation) == []


def test_erasure_never_crosses_shops(server, client, database):
    mine, theirs = unique("er-a"), unique("er-b")
    conversation = unique("conv")  # the same conversation id and phone in both shops
    their_case = conversation_case(client, theirs, conversation, close=False)
    conversation_case(client, mine, conversation, close=False)
    before = client.get(f"/v1/cases/{their_case}/timeline").text
    admin_a = make_key(database, "admin", (mine,))

    refused = erase(server, admin_a, {"shop_id": theirs, "phone": PHONE})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "shop_forbidden"
    for selector in ({"phone": PHONE}, {"conversation_id": conversation}):
        assert erase(server, admin_a, selector).json()["shop_id"] == mine
    assert client.get(f"/v1/cases/{their_case}/timeline").text == before
    assert remembered(database, theirs, conversation)
    # A key for every shop must say which one: an erasure is never "everywhere".
    everywhere = erase(server, make_key(database, "admin", ("*",)), {"phone": PHONE})
    assert everywhere.status_code == 422 and everywhere.json()["error"]["code"] == "shop_required"
    for role in ("agent", "supervisor", "editor", "bot"):
        assert erase(server, make_key(database, role, (mine,)), {"phone": PHONE}).status_code == 403


def test_a_dry_run_counts_and_changes_nothing(server, client, database):
    shop = unique("er-dry")
    conversation = unique("conv")
    case_id = conversation_case(client, shop, conversation)
    admin = make_key(database, "admin", (shop,))
    before = (client.get(f"/v1/cases/{case_id}/timeline").text, client.get(f"/v1/cases/{case_id}").json())

    dry = erase(server, admin, {"conversation_id": conversation, "dry_run": True})

    assert dry.status_code == 200 and dry.json()["dry_run"] is True and dry.json()["counts"]["cases"] == 1
    assert (client.get(f"/v1/cases/{case_id}/timeline").text, client.get(f"/v1/cases/{case_id}").json()) == before
    assert remembered(database, shop, conversation)
    with database.unit_of_work() as s:
        assert s.scalars(select(PrivacyLog).where(PrivacyLog.shop_id == shop)).all() == []
    real = erase(server, admin, {"conversation_id": conversation})
    assert real.json()["counts"] == dry.json()["counts"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"phone": PHONE, "conversation_id": "c"},
        {"phone": None},
        {"phone": "12345"},
        {"buyer_ref": ""},
        {"conversation_id": "c", "dry_run": "yes"},
        {"conversation_id": "c", "extra": 1},
    ],
)
def test_exactly_one_valid_selector_or_a_422(server, database, body):
    r = erase(server, make_key(database, "admin", ("er-bad",)), body)
    assert r.status_code == 422, r.text


def test_the_privacy_log_shows_a_key_its_own_shops_only(server, client, database):
    mine, theirs = unique("lg-a"), unique("lg-b")
    for shop in (mine, theirs):
        conversation = unique("conv")
        conversation_case(client, shop, conversation, close=False)
        assert erase(server, make_key(database, "admin", (shop,)), {"conversation_id": conversation}).status_code == 200
    key = make_key(database, "admin", (mine,))
    with httpx.Client(base_url=server, headers=auth(key), timeout=10) as c:
        entries = c.get("/v1/admin/privacy-log").json()["entries"]
        assert [(e["action"], e["shop_id"]) for e in entries] == [("erasure", mine)]
        assert entries[0]["counts"]["cases"] == 1 and entries[0]["selector"].startswith("conversation_id=")
        assert c.get("/v1/admin/privacy-log", params={"shop_id": theirs}).status_code == 403
    everything = client.get("/v1/admin/privacy-log", params={"limit": 500}).json()["entries"]
    assert {mine, theirs} <= {e["shop_id"] for e in everything}
    assert client.get("/v1/admin/privacy-log", params={"limit": 0}).status_code == 422
