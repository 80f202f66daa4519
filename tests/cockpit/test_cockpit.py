"""The case cockpit (issue 16): the case's current script and next steps, buyer replies that move a case on,
the agent's chosen script, the script search. Over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import httpx
import pytest

from app.cockpit.schemas import NextOut, ScriptsOut
from tests.conftest import auth, make_key


def conv() -> str:
    return f"conv-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def c(server, database):  # type: ignore[no-untyped-def]
    key = make_key(database, "agent", ("shop-a",))
    with httpx.Client(base_url=server, timeout=10, headers=auth(key)) as client:
        yield client


def suggest(c, talk, message="", **extra):  # type: ignore[no-untyped-def]
    r = c.post("/v1/suggest", json={"message": message, "conversation_id": talk, "shop_id": "shop-a", **extra})
    assert r.status_code == 200, r.text
    return r.json()


def next_of(c, case_id):  # type: ignore[no-untyped-def]
    r = c.get(f"/v1/cases/{case_id}/next")
    assert r.status_code == 200, r.text
    NextOut.model_validate(r.json())
    return r.json()


def test_a_damaged_case_goes_from_photos_to_the_judgement_by_the_buyers_picture_and_the_agents_button(c):
    talk = conv()
    first = suggest(c, talk, "杯子收到就碎了")
    case_id = first["cases"][0]["id"]
    assert first["suggestions"][0]["script_id"] == "damaged.ask_evidence"
    now = next_of(c, case_id)
    assert now["script"]["script_id"] == "damaged.ask_evidence"
    assert {e["id"] for e in now["steps"]["evidence"]} >= {"box_photos", "item_photos"}
    assert not any(e["received"] for e in now["steps"]["evidence"])

    # Pictures with no words: the photos asked for are received, and the case moves on (not its first script).
    shown = suggest(c, talk, "", attachments=[{"type": "image"}, {"type": "image"}])
    assert shown["status"] == "matched" and shown["intents"][0]["id"] == "damaged"
    assert shown["suggestions"][0]["script_id"] == "damaged.review_photos"
    now = next_of(c, case_id)
    received = {e["id"] for e in now["steps"]["evidence"] if e["received"]}
    assert {"box_photos", "item_photos", "waybill_photo"} <= received
    judged = {a["id"]: a for a in now["steps"]["assessments"]}
    assert (
        judged["box_damaged_severe"]["name"] and judged["box_intact_slight"]["script_id"] == "damaged.box_intact_slight"
    )
    events = c.get(f"/v1/cases/{case_id}/timeline").json()
    assert any(e["type"] == "evidence_received" and e["data"].get("via") == "attachment" for e in events)

    # The judgement button: PATCH the assessment, then /next shows its script and its remedies with the range.
    r = c.patch(f"/v1/cases/{case_id}", json={"version": now["case"]["version"], "assessment": "box_intact_slight"})
    assert r.status_code == 200, r.text
    now = next_of(c, case_id)
    assert now["script"]["script_id"] == "damaged.box_intact_slight"
    remedies = {x["id"]: x for x in now["steps"]["remedies"]}
    assert remedies["compensate"]["needs_amount"] and (
        remedies["compensate"]["min"],
        remedies["compensate"]["max"],
    ) == (
        "5",
        "30",
    )
    assert not remedies["exchange"]["needs_amount"]
    assert "resolved" in now["steps"]["statuses"]


def test_words_saying_the_photos_were_sent_mark_them_received(c):
    talk = conv()
    case_id = suggest(c, talk, "收到的盘子摔碎了")["cases"][0]["id"]
    shown = suggest(c, talk, "照片已经发给你了")
    assert shown["suggestions"][0]["script_id"] == "damaged.review_photos"
    received = {e["id"] for e in next_of(c, case_id)["steps"]["evidence"] if e["received"]}
    assert {"box_photos", "item_photos"} <= received


def test_a_yes_to_the_remedy_proposed_is_recorded_and_names_the_remedy(c):
    talk = conv()
    case_id = suggest(c, talk, "收到的杯子碎了")["cases"][0]["id"]
    suggest(c, talk, "", attachments=[{"type": "image"}])
    version = next_of(c, case_id)["case"]["version"]
    assert (
        c.patch(f"/v1/cases/{case_id}", json={"version": version, "assessment": "box_intact_severe"}).status_code == 200
    )
    assert suggest(c, talk, "那怎么办")["suggestions"][0]["script_id"] == "damaged.box_intact_severe"  # 补发或退款
    suggest(c, talk, "那就补发吧")
    now = next_of(c, case_id)
    assert now["case"]["remedy"] == "resend"
    events = c.get(f"/v1/cases/{case_id}/timeline").json()
    assert [e["data"] for e in events if e["type"] == "remedy_agreed"] == [{"remedy": "resend"}]


def test_an_empty_message_needs_attachments(c):
    r = c.post("/v1/suggest", json={"message": "  ", "conversation_id": conv(), "shop_id": "shop-a"})
    assert r.status_code == 422
    r = c.post("/v1/suggest", json={"message": "", "attachments": [{"type": "sticker"}], "shop_id": "shop-a"})
    assert r.status_code == 422


def test_the_agent_chooses_a_script_found_by_search_and_the_case_shows_it(c):
    talk = conv()
    case_id = suggest(c, talk, "收到的碗碎了")["cases"][0]["id"]
    found = c.get("/v1/scripts", params={"q": "psbf", "shop_id": "shop-a"})
    assert found.status_code == 200, found.text
    hits = ScriptsOut.model_validate(found.json()).scripts
    assert hits and hits[0].script_id == "damaged.box_intact_severe"
    assert "【" not in hits[0].text or hits[0].text.count("【") == hits[0].text.count("】")
    version = next_of(c, case_id)["case"]["version"]
    r = c.post(f"/v1/cases/{case_id}/choose", json={"script_id": hits[0].script_id, "version": version})
    assert r.status_code == 200, r.text
    assert r.json()["script"]["script_id"] == "damaged.box_intact_severe"
    assert next_of(c, case_id)["script"]["script_id"] == "damaged.box_intact_severe"
    chosen = [e for e in c.get(f"/v1/cases/{case_id}/timeline").json() if e["type"] == "script_chosen"]
    assert chosen[0]["data"]["was"]["branch"] == "damaged.ask_evidence"

    # Another intent: the conversation's case for it, found or opened.
    r = c.post(f"/v1/cases/{case_id}/choose", json={"script_id": "intercept.confirm"})
    assert r.status_code == 200, r.text
    assert r.json()["case"]["intent"] == "intercept" and r.json()["case"]["id"] != case_id
    assert c.post(f"/v1/cases/{case_id}/choose", json={"script_id": "damaged.nope"}).status_code == 422
    assert (
        c.post(f"/v1/cases/{case_id}/choose", json={"script_id": "damaged.ask_evidence", "version": 99}).status_code
        == 409
    )


def test_search_by_words_and_names(c):
    hits = c.get("/v1/scripts", params={"q": "截件", "shop_id": "shop-a"}).json()["scripts"]
    assert hits and all(h["intent"] == "intercept" for h in hits[:3])
    assert c.get("/v1/scripts", params={"q": "", "shop_id": "shop-a"}).status_code == 422
    assert c.get("/v1/scripts", params={"q": "zzzzqqq"}).json()["scripts"] == []


def test_another_shops_case_has_no_next_steps(server, database, c):  # type: ignore[no-untyped-def]
    case_id = suggest(c, conv(), "收到的杯子碎了")["cases"][0]["id"]
    other = make_key(database, "agent", ("shop-b",))
    with httpx.Client(base_url=server, timeout=10, headers=auth(other)) as o:
        assert o.get(f"/v1/cases/{case_id}/next").status_code == 404
        assert o.post(f"/v1/cases/{case_id}/choose", json={"script_id": "damaged.ask_evidence"}).status_code == 404
