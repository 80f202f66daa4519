"""POST /v1/suggest end to end over real HTTP: the contract, and every kind of bad input."""

from __future__ import annotations

import json

import pytest

from app.http.schemas import ErrorResponse
from app.suggest.responses import SuggestResponse

SECRET = "我的手机号13812345678不要泄露"


def suggest(client, **body):
    return client.post("/v1/suggest", json=body)


def test_suggest_returns_the_documented_shape(client):
    r = suggest(client, message="亲 收到的杯子碎了 /:Q", shop_id="shop-1", conversation_id="c-1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = SuggestResponse.model_validate(r.json())
    assert body.status == "matched"
    assert [i.id for i in body.intents] == ["damaged"] and body.intents[0].name == "破损"
    assert body.intents[0].rule and body.intents[0].rule.startswith("intents/damaged.yaml:")
    s = body.suggestions[0]
    assert s.intent == "damaged" and s.script_id == "damaged.ask_evidence"
    assert {e.id for e in s.evidence} == {"waybill_photo", "box_photos", "item_photos"}
    assert all(e.name for e in s.evidence) and [a.id for a in s.actions] == ["note"]
    assert {n.script_id for n in s.next} >= {"damaged.box_damaged_severe", "damaged.box_intact_slight"}
    assert body.phrasebook_version == client.get("/healthz").json()["phrasebook_version"]


def test_no_intent_gives_empty_lists(client):
    body = suggest(client, message="在吗").json()
    assert body["status"] == "no_match" and body["intents"] == [] and body["suggestions"] == []


def test_intents_are_sorted_best_first(client):
    body = suggest(client, message="碎了一个还少了一件").json()
    scores = [i["score"] for i in body["intents"]]
    assert len(scores) == 2 and scores == sorted(scores, reverse=True)
    assert {s["intent"] for s in body["suggestions"]} == {"damaged", "missing_item"}


def test_entities_come_back(client):
    body = suggest(
        client, message="订单号123456789012345678 改地址 电话13812345678 补偿30元", now="2026-11-22T10:00:00+08:00"
    ).json()
    e = body["entities"]
    assert e["order_numbers"][0]["value"] == "123456789012345678"
    assert e["phones"][0]["masked"] == "138****5678"
    assert e["amounts"][0]["value"] == "30.00"


def test_order_context_and_case_progress_choose_the_branch(client):
    body = suggest(client, message="不要了 拦截一下", order={"status": "in_transit"}).json()
    assert body["suggestions"][0]["script_id"] == "intercept.in_transit"
    body = suggest(
        client, message="杯子碎了", evidence_received=["box_photos", "item_photos"], assessment="box_intact_slight"
    ).json()
    assert body["suggestions"][0]["script_id"] == "damaged.box_intact_slight"
    assert "【金额】" in body["suggestions"][0]["text"] and body["suggestions"][0]["missing_placeholders"] == ["amount"]


def _assert_clean_error(r, status, code=None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = ErrorResponse.model_validate(r.json()).error
    if code:
        assert err.code == code
    assert "13812345678" not in r.text and "Traceback" not in r.text
    return err


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": ""}, "body.message"),
        ({"message": "   \n\t "}, "body.message"),
        ({"message": SECRET * 200}, "body.message"),  # over 2,000 characters
        ({"message": 12345}, "body.message"),
        ({"message": ["碎了"]}, "body.message"),
        ({"message": None}, "body.message"),
        ({}, "body.message"),
        ({"message": "碎了", "shop_id": 7}, "body.shop_id"),
        ({"message": "碎了", "order": {"status": "teleported"}}, "body.order.status"),
        ({"message": "碎了", "order": "signed"}, "body.order"),
        ({"message": "碎了", "evidence_received": "box_photos"}, "body.evidence_received"),
        ({"message": "碎了", "now": "2026-11-22T10:00:00"}, "body.now"),  # no time zone
        ({"message": "碎了", "status": "closed"}, "body"),  # unknown field: no mass assignment (name not echoed)
    ],
)
def test_invalid_bodies_get_422_naming_the_field_without_echo(client, body, field):
    r = client.post("/v1/suggest", json=body)
    err = _assert_clean_error(r, 422, "invalid_request")
    assert field in [f["field"] for f in err.fields]
    if isinstance(body.get("message"), str) and body["message"].strip():
        assert body["message"][:20] not in r.text


def test_message_of_exactly_2000_characters_is_accepted(client):
    assert suggest(client, message="碎" * 2000).status_code == 200


def test_unknown_evidence_id_is_422(client):
    _assert_clean_error(suggest(client, message="碎了", evidence_received=["selfie"]), 422, "unknown_evidence")


@pytest.mark.parametrize("raw", [b"{not json", b"message=hello", '{"message": "碎了"'.encode(), b"\xff\xfe"])
def test_not_json_is_400(client, raw):
    r = client.post("/v1/suggest", content=raw, headers={"content-type": "application/json"})
    _assert_clean_error(r, 400, "invalid_json")


def test_json_array_body_is_422(client):
    _assert_clean_error(client.post("/v1/suggest", json=["碎了"]), 422)


def test_body_over_64_kb_is_413(client):
    big = json.dumps({"message": "碎了", "conversation_id": "x" * 70_000})
    _assert_clean_error(
        client.post("/v1/suggest", content=big, headers={"content-type": "application/json"}), 413, "payload_too_large"
    )


def test_body_over_64_kb_without_content_length_is_413(client):
    def chunks():
        for _ in range(80):
            yield b"x" * 1024

    r = client.post("/v1/suggest", content=chunks(), headers={"content-type": "application/json"})
    _assert_clean_error(r, 413, "payload_too_large")


def test_wrong_method_and_unknown_path_are_json(client):
    _assert_clean_error(client.get("/v1/suggest"), 405)
    _assert_clean_error(client.get("/v1/nothing-here"), 404)


def test_server_keeps_answering_after_bad_input(client):
    for _ in range(3):
        client.post("/v1/suggest", content=b"\x00\x01", headers={"content-type": "application/json"})
    assert suggest(client, message="快递到哪了").status_code == 200


# /v1/suggest reads its body itself (app/http/body.py); these hold it to what FastAPI gave before.
def test_empty_body_is_422_missing(client):
    err = _assert_clean_error(
        client.post("/v1/suggest", content=b"", headers={"content-type": "application/json"}), 422, "invalid_request"
    )
    assert [(f["field"], f["problem"]) for f in err.fields] == [("body", "missing")]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_body_that_is_not_json_by_its_type_is_422(client, content_type):
    r = client.post("/v1/suggest", content=json.dumps({"message": "碎了"}), headers={"content-type": content_type})
    err = _assert_clean_error(r, 422, "invalid_request")
    assert [f["field"] for f in err.fields] == ["body"]


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "APPLICATION/JSON", "application/problem+json", None]
)
def test_json_by_any_name_or_no_type_at_all_is_read(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    r = client.post("/v1/suggest", content=json.dumps({"message": "杯子碎了"}).encode(), headers=headers)
    assert r.status_code == 200 and r.json()["intents"][0]["id"] == "damaged"


def test_idempotency_key_over_200_characters_is_422(client):
    r = client.post("/v1/suggest", json={"message": "碎了"}, headers={"Idempotency-Key": "k" * 201})
    err = _assert_clean_error(r, 422, "invalid_request")
    assert [f["field"] for f in err.fields] == ["header.Idempotency-Key"]


def test_errors_inside_the_body_name_the_nested_field(client):
    r = suggest(client, message="碎了", order={"status": "signed", "items": [{"price": "-1", "quantity": 1}]})
    err = _assert_clean_error(r, 422, "invalid_request")
    assert any(f["field"].startswith("body.order.items.0") for f in err.fields)
