"""The case cockpit's API over real HTTP, on SQLite and PostgreSQL: the case's next steps, buyer replies
that move it, the script search and the agent's choice."""

from __future__ import annotations

import uuid

from app.cockpit.schemas import NextOut as NextResponse
from app.cockpit.schemas import ScriptsOut as ScriptsResponse
from app.suggest.responses import SuggestResponse


def conv() -> str:
    return f"conv-{uuid.uuid4().hex[:10]}"


def say(client, conversation, message, **extra):
    r = client.post(
        "/v1/suggest", json={"message": message, "conversation_id": conversation, "shop_id": "shop-a", **extra}
    )
    assert r.status_code == 200, r.text
    return SuggestResponse.model_validate(r.json())


def next_of(client, case_id) -> NextResponse:
    r = client.get(f"/v1/cases/{case_id}/next")
    assert r.status_code == 200, r.text
    return NextResponse.model_validate(r.json())


def test_next_names_the_judgements_evidence_remedies_and_statuses(client):
    first = say(client, conv(), "亲 收到的杯子碎了")
    case_id = first.cases[0].id
    n = next_of(client, case_id)
    assert n.script is not None and n.script.script_id == "damaged.ask_evidence"
    assert {"id": "box_damaged_severe", "name": "外包装严重破损", "script_id": "damaged.box_damaged_severe"} in [
        a.model_dump() for a in n.steps.assessments
    ]
    assert [(e.id, e.received) for e in n.steps.evidence] == [
        ("waybill_photo", False),
        ("box_photos", False),
        ("item_photos", False),
    ]
    assert "resolved" in n.steps.statuses and "closed" not in n.steps.statuses
    # The photos and the agent's judgement move it to the branch that offers 补偿 with its range.
    for e in ("box_photos", "item_photos"):
        client.post(f"/v1/cases/{case_id}/evidence/{e}/received", json={})
    version = client.get(f"/v1/cases/{case_id}").json()["version"]
    client.patch(f"/v1/cases/{case_id}", json={"version": version, "assessment": "box_intact_slight"})
    n = next_of(client, case_id)
    assert n.script is not None and n.script.script_id == "damaged.box_intact_slight"
    compensate = next(r for r in n.steps.remedies if r.id == "compensate")
    assert (compensate.min, compensate.max, compensate.needs_amount) == ("5", "30", True)
    exchange = next(r for r in n.steps.remedies if r.id == "exchange")
    assert not exchange.needs_amount and exchange.min is None
    assert {a.id for a in n.steps.actions} == {"note", "register"}


def test_derived_judgements_are_not_buttons(client):
    first = say(client, conv(), "快递怎么还没到 催一下", order={"status": "in_transit"})
    n = next_of(client, first.cases[0].id)
    ids = {a.id for a in n.steps.assessments}
    assert "stalled" not in ids and "presumed_lost" not in ids and "pickup_timeout" not in ids
    assert "misrouted" in ids


def test_an_image_marks_the_photos_received_and_the_message_may_be_empty(client):
    c = conv()
    first = say(client, c, "杯子碎了")
    case_id = first.cases[0].id
    second = say(client, c, "", attachments=[{"type": "image"}, {"type": "image", "name": "box.jpg"}])
    assert second.cases[0].id == case_id
    assert second.status == "matched" and second.intents[0].id == "damaged"
    assert second.suggestions[0].script_id == "damaged.review_photos"
    evidence = {e["id"]: e["received_at"] for e in client.get(f"/v1/cases/{case_id}").json()["evidence"]}
    assert all(evidence.values())
    timeline = client.get(f"/v1/cases/{case_id}/timeline").json()
    vias = [e["data"].get("via") for e in timeline if e["type"] == "evidence_received"]
    assert vias == ["attachment"] * 3


def test_saying_the_photos_were_sent_marks_them_received(client):
    c = conv()
    case_id = say(client, c, "杯子碎了").cases[0].id
    second = say(client, c, "照片发你了")
    assert second.status == "matched" and [i.id for i in second.intents] == ["damaged"]
    assert second.suggestions[0].script_id == "damaged.review_photos"
    timeline = client.get(f"/v1/cases/{case_id}/timeline").json()
    assert {e["data"].get("via") for e in timeline if e["type"] == "evidence_received"} == {"message"}


def test_agreement_to_a_proposed_remedy_is_recorded_and_the_case_stays_on(client):
    c = conv()
    case_id = say(client, c, "杯子碎了").cases[0].id
    say(client, c, "", attachments=[{"type": "image"}])
    version = client.get(f"/v1/cases/{case_id}").json()["version"]
    client.patch(f"/v1/cases/{case_id}", json={"version": version, "assessment": "box_intact_severe"})
    assert say(client, c, "怎么处理").suggestions[0].script_id == "damaged.box_intact_severe"
    reply = say(client, c, "那就补发吧")
    assert reply.status == "matched" and reply.intents[0].id == "damaged"
    assert reply.suggestions[0].script_id != "damaged.ask_evidence"  # never the first script again
    timeline = client.get(f"/v1/cases/{case_id}/timeline").json()
    agreed = [e for e in timeline if e["type"] == "remedy_agreed"]
    assert len(agreed) == 1 and agreed[0]["data"]["remedy"] == "resend"
    say(client, c, "好的")  # once per proposal
    timeline = client.get(f"/v1/cases/{case_id}/timeline").json()
    assert len([e for e in timeline if e["type"] == "remedy_agreed"]) == 1


def test_the_remedy_the_buyer_chose_moves_the_case_to_carrying_it_out(client):
    c = conv()
    case_id = say(client, c, "杯子碎了").cases[0].id
    say(client, c, "", attachments=[{"type": "image"}])
    version = client.get(f"/v1/cases/{case_id}").json()["version"]
    client.patch(f"/v1/cases/{case_id}", json={"version": version, "assessment": "box_intact_severe"})
    assert say(client, c, "怎么处理").suggestions[0].script_id == "damaged.box_intact_severe"
    chosen = say(client, c, "那就补发吧").suggestions[0]
    assert chosen.script_id == "damaged.resend_arranged" and "安排补发" in chosen.text
    # The case stays there: a later message does not bring back the proposal ("补发或退款,您看哪种…").
    assert say(client, c, "好的 谢谢 尽快哈").suggestions[0].script_id == "damaged.resend_arranged"
    n = next_of(client, case_id)
    assert n.script is not None and n.script.script_id == "damaged.resend_arranged"
    assert client.get(f"/v1/cases/{case_id}").json()["remedy"] == "resend"


def test_after_the_resend_is_recorded_the_case_moves_on_past_the_arranging_step(client):
    c = conv()
    case_id = say(client, c, "收到少了一件").cases[0].id
    say(client, c, "", attachments=[{"type": "image"}])
    version = client.get(f"/v1/cases/{case_id}").json()["version"]
    client.patch(f"/v1/cases/{case_id}", json={"version": version, "assessment": "confirmed"})
    assert say(client, c, "怎么说").suggestions[0].script_id == "missing_item.confirmed_missing"
    assert say(client, c, "退款吧").suggestions[0].script_id == "missing_item.refund_arranged"
    c2 = conv()
    case_id = say(client, c2, "收到少了一件").cases[0].id
    say(client, c2, "", attachments=[{"type": "image"}])
    version = client.get(f"/v1/cases/{case_id}").json()["version"]
    client.patch(f"/v1/cases/{case_id}", json={"version": version, "assessment": "confirmed"})
    assert say(client, c2, "那就补发吧").suggestions[0].script_id == "missing_item.resend_arranged"
    version = client.get(f"/v1/cases/{case_id}").json()["version"]
    client.patch(f"/v1/cases/{case_id}", json={"version": version, "assessment": "resent"})
    assert next_of(client, case_id).script.script_id == "missing_item.resent"


def test_asking_for_another_remedy_than_the_one_offered_is_no_agreement(client):
    c = conv()
    case_id = say(client, c, "发错货了 我要的是白色 收到黑色").cases[0].id
    say(client, c, "", attachments=[{"type": "image"}])
    version = client.get(f"/v1/cases/{case_id}").json()["version"]
    client.patch(f"/v1/cases/{case_id}", json={"version": version, "assessment": "confirmed"})
    assert say(client, c, "怎么处理").suggestions[0].script_id == "wrong_item.confirmed_wrong"  # offers 换货
    say(client, c, "退款吧")
    timeline = client.get(f"/v1/cases/{case_id}/timeline").json()
    assert not [e for e in timeline if e["type"] == "remedy_agreed"]
    assert client.get(f"/v1/cases/{case_id}").json()["remedy"] is None


def test_yes_to_a_question_is_no_agreement(client):
    c = conv()
    case_id = say(client, c, "杯子碎了").cases[0].id
    reply = say(client, c, "好的")
    assert reply.status == "matched" and reply.intents[0].id == "damaged"
    timeline = client.get(f"/v1/cases/{case_id}/timeline").json()
    assert not [e for e in timeline if e["type"] == "remedy_agreed"]


def test_script_search_by_words_and_pinyin_initials(client):
    r = client.get("/v1/scripts", params={"q": "psbf"})
    assert r.status_code == 200, r.text
    found = ScriptsResponse.model_validate(r.json()).scripts
    assert found and found[0].script_id == "damaged.box_intact_severe" and found[0].intent_name == "破损"
    r = client.get("/v1/scripts", params={"q": "不制冷", "limit": 3})
    assert [s.script_id for s in ScriptsResponse.model_validate(r.json()).scripts][
        0
    ] == "quality_issue.no_cooling_retain"
    assert client.get("/v1/scripts", params={"limit": 0}).status_code == 422


def test_a_shops_search_shows_its_own_wording(client):
    r = client.get("/v1/scripts", params={"q": "damaged.ask_evidence", "shop_id": "demo-shop"})
    text = ScriptsResponse.model_validate(r.json()).scripts[0].text
    assert text.startswith("亲,真的很抱歉让您收到这样的包裹")


def test_choosing_a_script_moves_the_case_and_is_recorded(client):
    c = conv()
    case_id = say(client, c, "杯子碎了").cases[0].id
    version = client.get(f"/v1/cases/{case_id}").json()["version"]
    r = client.post(f"/v1/cases/{case_id}/choose", json={"script_id": "damaged.review_photos", "version": version})
    assert r.status_code == 200, r.text
    n = NextResponse.model_validate(r.json())
    assert n.script is not None and n.script.script_id == "damaged.review_photos"
    assert next_of(client, case_id).script.script_id == "damaged.review_photos"
    chosen = [e for e in client.get(f"/v1/cases/{case_id}/timeline").json() if e["type"] == "script_chosen"]
    assert chosen[0]["data"] == {
        "intent": "damaged",
        "branch": "damaged.review_photos",
        "was": {"intent": "damaged", "branch": "damaged.ask_evidence"},
    }
    # Another intent's script: the conversation's case for that intent.
    r = client.post(f"/v1/cases/{case_id}/choose", json={"script_id": "missing_item.ask_photos"})
    if r.status_code == 422:  # the branch id differs: take the entry of missing_item from the search
        sid = client.get("/v1/scripts", params={"q": "missing_item."}).json()["scripts"][0]["script_id"]
        r = client.post(f"/v1/cases/{case_id}/choose", json={"script_id": sid})
    assert r.status_code == 200, r.text
    other = r.json()["case"]
    assert other["intent"] == "missing_item" and other["id"] != case_id and other["conversation_id"] == c


def test_choose_refuses_unknown_scripts_and_stale_versions(client):
    case_id = say(client, conv(), "杯子碎了").cases[0].id
    r = client.post(f"/v1/cases/{case_id}/choose", json={"script_id": "damaged.nope"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_script"
    r = client.post(f"/v1/cases/{case_id}/choose", json={"script_id": "damaged.review_photos", "version": 999})
    assert r.status_code == 409
    assert client.get("/v1/cases/2147483647/next").status_code == 404


def test_an_empty_message_needs_files(client):
    r = client.post("/v1/suggest", json={"message": "  ", "conversation_id": conv(), "shop_id": "shop-a"})
    assert r.status_code == 422
    r = client.post("/v1/suggest", json={"attachments": [{"type": "pdf"}], "conversation_id": conv()})
    assert r.status_code == 422
