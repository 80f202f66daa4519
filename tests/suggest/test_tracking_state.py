"""order.tracking_state: a courier platform's own state code (快递100, 快递鸟) becomes the order's status and signer
by the table in policy/tracking_states.yaml; an unknown code is a 422 naming the field."""

from __future__ import annotations

import pytest

from app.core.content import ContentInvalid
from app.core.content.policy import load_policies
from app.core.order import with_tracking
from app.core.terms import OrderStatus, Signer
from app.settings import PROJECT_ROOT

NOW = "2026-11-22T12:00:00+08:00"


def suggest(client, message, order):
    return client.post("/v1/suggest", json={"message": message, "order": order, "now": NOW})


# --- the table ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "code", "status", "signer"),
    [
        ("kuaidi100", "0", "in_transit", None),
        ("kuaidi100", "1", "shipped", None),
        ("kuaidi100", "2", "in_transit", None),
        ("kuaidi100", "3", "signed", None),
        ("kuaidi100", "303", "signed", "proxy"),
        ("kuaidi100", "304", "signed", "locker"),
        ("kuaidi100", "4", "returning", None),
        ("kuaidi100", "5", "out_for_delivery", None),
        ("kuaidi100", "6", "returning", None),
        ("kuaidi100", "7", "in_transit", None),
        ("kuaidi100", "8", "in_transit", None),
        ("kuaidi100", "14", "rejected", None),
        ("kdniao", "0", "shipped", None),
        ("kdniao", "2", "in_transit", None),
        ("kdniao", "202", "out_for_delivery", None),
        ("kdniao", "301", "signed", "self"),
        ("kdniao", "311", "signed", "locker"),
        ("kdniao", "404", "rejected", None),
    ],
)
def test_the_shipped_table(provider, code, status, signer):
    state = load_policies(PROJECT_ROOT).tracking.state(provider, code)
    assert state is not None and state.status == status and state.signed_by == signer


def test_a_status_the_caller_gives_wins_and_keeps_a_signer_off_an_unsigned_parcel():
    signed, locker = OrderStatus.SIGNED, Signer.LOCKER
    assert with_tracking(None, None, signed, locker) == (signed, locker)
    assert with_tracking(OrderStatus.IN_TRANSIT, None, signed, locker) == (OrderStatus.IN_TRANSIT, None)
    assert with_tracking(signed, Signer.SELF, signed, locker) == (signed, Signer.SELF)
    assert with_tracking(OrderStatus.IN_TRANSIT, None, None, None) == (OrderStatus.IN_TRANSIT, None)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('    codes:\n      "3": {name: 签收, status: signd}\n', 6, "status: 未知的值 unknown value 'signd'"),
        (
            '    codes:\n      "5": {name: 派件, status: out_for_delivery, signed_by: self}\n',
            6,
            "signed_by 只能用于 status: signed",
        ),
        ('    codes:\n      "3": {nam: 签收}\n', 6, "未知字段 unknown field"),
        ("    codes: {}\n", 5, "codes"),
    ],
)
def test_mistakes_in_the_table_are_reported_with_file_and_line(content_root, text, line, needle):
    head = "providers:\n  mine:\n    name: 我的平台\n    source: 文档\n"
    (content_root / "policy" / "tracking_states.yaml").write_text(head + text, encoding="utf-8")
    with pytest.raises(ContentInvalid) as exc:
        load_policies(content_root)
    found = [str(e) for e in exc.value.errors]
    assert any(e.startswith(f"policy/tracking_states.yaml:{line}:") and needle in e for e in found), found


# --- over HTTP -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "script"),
    [
        ("kuaidi100:304", "lost_parcel.signed_proxy_not_received"),  # 投柜或站签收: a locker signed
        ("kuaidi100:303", "lost_parcel.signed_proxy_not_received"),  # 代签
        ("kdniao:311", "lost_parcel.signed_proxy_not_received"),  # 快递柜或驿站签收
        ("kuaidi100:3", "lost_parcel.notify_courier"),  # signed, nobody named
    ],
)
def test_a_signed_state_sets_status_and_signer(client, state, script):
    body = suggest(client, "快递显示签收了 但我根本没收到", {"tracking_state": state}).json()
    assert [s["script_id"] for s in body["suggestions"]] == [script]


def test_kdniao_state_as_an_object_and_a_number(client):
    in_transit = suggest(client, "不要了 帮我拦截一下", {"status": "in_transit"}).json()
    by_object = suggest(client, "不要了 帮我拦截一下", {"tracking_state": {"provider": "kdniao", "code": "2"}}).json()
    by_number = suggest(client, "不要了 帮我拦截一下", {"tracking_state": {"provider": "kdniao", "code": 2}}).json()
    assert (
        by_object["suggestions"][0]["script_id"] == in_transit["suggestions"][0]["script_id"] == "intercept.in_transit"
    )
    assert by_number["suggestions"][0]["script_id"] == "intercept.in_transit"
    not_shipped = suggest(client, "不要了 帮我拦截一下", {"status": "awaiting_shipment"}).json()
    assert not_shipped["suggestions"][0]["script_id"] != "intercept.in_transit"


def test_kuaidi100_rejected_and_returning(client):
    for code in ("14", "6", "4"):  # 拒签, 退回, 退签
        body = suggest(client, "退款什么时候到", {"tracking_state": f"kuaidi100:{code}"}).json()
        assert [s["script_id"] for s in body["suggestions"]] == ["refund_progress.returning"], code
    assert suggest(client, "退款什么时候到", {}).json()["suggestions"][0]["script_id"] == "refund_progress.check"


@pytest.mark.parametrize(
    "state",
    ["kuaidi100:99", "kdniao:303", "sf:3", {"provider": "kuaidi100", "code": "9999"}, {"provider": "x", "code": 3}],
)
def test_an_unknown_code_is_a_422_naming_the_field(client, state):
    r = suggest(client, "杯子碎了", {"tracking_state": state})
    assert r.status_code == 422, r.text
    body = r.json()["error"]
    assert body["code"] == "unknown_tracking_state"
    assert [f["field"] for f in body["fields"]] == ["body.order.tracking_state"]
    assert "kuaidi100" in body["fields"][0]["message"] and "tracking_states.yaml" in body["fields"][0]["message"]


@pytest.mark.parametrize("state", ["kuaidi100", "kuaidi100:", ":3", "KUAIDI100:3", {"provider": "kuaidi100"}, 3])
def test_a_malformed_tracking_state_is_a_422(client, state):
    r = suggest(client, "杯子碎了", {"tracking_state": state})
    assert r.status_code == 422 and any("tracking_state" in f["field"] for f in r.json()["error"]["fields"]), r.text
