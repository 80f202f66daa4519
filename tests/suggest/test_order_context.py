"""Order context over HTTP: deadlines, eligibility and approval in the response; impossible contexts → 422."""

import pytest

from app.http.schemas import ErrorResponse
from app.suggest.responses import RefundQuoteResponse, SuggestResponse

NOW = "2026-11-22T12:00:00+08:00"


def suggest(client, message, order=None, **extra):
    return client.post("/v1/suggest", json={"message": message, "order": order or {}, "now": NOW, **extra})


def test_seven_day_return_just_out_of_window(client):
    r = suggest(
        client,
        "不喜欢 想七天无理由退货",
        {"status": "signed", "signed_at": "2026-11-15T11:00:00+08:00", "signed_by": "self"},
    )
    body = SuggestResponse.model_validate(r.json())
    e = body.eligibility["seven_day_return"]
    assert e.eligible is False and e.until == "2026-11-22T11:00:00+08:00"
    assert body.suggestions[0].script_id == "seven_day_return.over_7_days"


def test_intercept_in_transit_with_hurry(client):
    body = suggest(client, "不要了 快帮我拦截 着急用钱", {"status": "in_transit"}).json()
    assert body["suggestions"][0]["script_id"] == "intercept.in_transit_hurry"
    assert body["deadlines"][0]["kind"] == "refund_first_response"
    assert body["deadlines"][0]["due_at"] == "2026-11-22T12:30:00+08:00"


def test_lost_parcel_over_national_day(client):
    r = client.post("/v1/suggest", json={"message": "快递显示签收了 我根本没收到", "now": "2026-09-30T15:00:00+08:00"})
    d = next(d for d in r.json()["deadlines"] if d["kind"] == "lost_parcel_verification")
    assert d["due_at"] == "2026-10-10T23:59:59+08:00" and "国庆节" in d["why"]
    assert "10月10日23:59内给您答复" in r.json()["suggestions"][0]["text"]


def test_approval_flag(client):
    body = suggest(client, "杯子碎了", proposed_compensation="40.00").json()
    assert body["needs_approval"] is True and body["approval"]["approver"] == "店长"
    assert body["approval"]["agent_limit"] == "30.00"
    assert suggest(client, "杯子碎了", proposed_compensation="20").json()["needs_approval"] is False
    assert suggest(client, "杯子碎了").json()["approval"] is None


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (
            {"status": "signed", "shipped_at": "2026-11-20T10:00:00+08:00", "signed_at": "2026-11-19T10:00:00+08:00"},
            "body.order.signed_at",
        ),
        ({"paid_at": "2026-11-20T10:00:00+08:00", "shipped_at": "2026-11-19T10:00:00+08:00"}, "body.order.shipped_at"),
        ({"status": "awaiting_shipment", "shipped_at": "2026-11-20T10:00:00+08:00"}, "body.order.shipped_at"),
        ({"status": "in_transit", "signed_at": "2026-11-20"}, "body.order.signed_at"),
        ({"paid_at": "2026-12-20T10:00:00+08:00"}, "body.order.paid_at"),  # in the future
        ({"status": "teleported"}, "body.order.status"),
        ({"amount": "-1"}, "body.order.amount"),
        ({"amount": "1.234"}, "body.order.amount"),
        ({"paid_at": "2026-11-20T10:00:00"}, "body.order.paid_at"),  # no zone
        ({"signed_by": "neighbour"}, "body.order.signed_by"),
        ({"items": [{"price": "10", "quantity": 0}]}, "body.order.items.0.quantity"),
        ({"colour": "red"}, "body.order"),  # an unknown field is named by the object it is in, never echoed
    ],
)
def test_impossible_or_invalid_contexts_are_422_naming_the_field(client, order, field):
    r = suggest(client, "杯子碎了", order)
    assert r.status_code == 422, r.text
    err = ErrorResponse.model_validate(r.json()).error
    assert any(f["field"].startswith(field) for f in err.fields), err.fields


def test_negative_compensation_is_422(client):
    r = suggest(client, "杯子碎了", proposed_compensation="-5")
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "body.proposed_compensation"


@pytest.mark.parametrize(
    ("body", "max_refund", "rule"),
    [
        (
            {
                "items": [{"id": "A", "price": "30.00"}, {"id": "B", "price": "70.00"}],
                "discounts": [{"type": "coupon", "amount": "20.00"}],
                "refund_items": ["A"],
            },
            "24.00",
            "coupon",
        ),
        (
            {
                "items": [{"id": "A", "price": "200.00", "quantity": 1}, {"id": "B", "price": "300.00", "quantity": 1}],
                "postage": "10.00",
                "discounts": [{"type": "full_reduction", "amount": "100.00"}],
                "refund_items": ["A"],
            },
            "160.00",
            "full_reduction",
        ),
    ],
)
def test_refund_quote_seed_examples(client, body, max_refund, rule):
    r = client.post("/v1/refund-quote", json=body)
    q = RefundQuoteResponse.model_validate(r.json())
    assert r.status_code == 200 and (q.max_refund, q.rule) == (max_refund, rule) and q.explanation


def test_refund_quote_uncovered_combination_is_422(client):
    r = client.post(
        "/v1/refund-quote",
        json={
            "items": [{"id": "A", "price": "30"}, {"id": "B", "price": "70"}],
            "discounts": [{"type": "coupon", "amount": "10"}, {"type": "full_reduction", "amount": "20"}],
            "refund_items": ["A"],
        },
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_covered"
    assert r.json()["error"]["fields"][0]["field"] == "body.discounts"


@pytest.mark.parametrize(
    "body",
    [
        {"items": [], "refund_items": ["A"]},
        {"items": [{"id": "A", "price": "abc"}], "refund_items": ["A"]},
        {"items": [{"id": "A", "price": 30}], "refund_items": ["B"]},
        {
            "items": [{"id": "A", "price": "30"}],
            "refund_items": ["A"],
            "discounts": [{"type": "voucher", "amount": "5"}],
        },
    ],
)
def test_refund_quote_bad_input_is_422(client, body):
    assert client.post("/v1/refund-quote", json=body).status_code == 422


def test_a_deadline_across_an_unknown_year_is_marked_approximate(client):
    r = client.post("/v1/suggest", json={"message": "快递显示签收了 我根本没收到", "now": "2026-12-30T10:00:00+08:00"})
    d = next(d for d in SuggestResponse.model_validate(r.json()).deadlines if d.kind == "lost_parcel_verification")
    assert d.approximate is True and d.approximate_reason and "2027" in d.approximate_reason
    assert "(节假日未知,按周末计算)" in d.why and d.known_years and d.known_years[-1] == 2026
    other = suggest(client, "不要了 快帮我拦截 着急用钱", {"status": "in_transit"}).json()["deadlines"][0]
    assert other["approximate"] is False and other["known_years"] is None and other["approximate_reason"] is None
