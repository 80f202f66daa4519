"""Order-aware suggestions, table-driven: intent × order state × boundary → branch, deadlines, flags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.core.clock import SHOP_TZ
from app.core.order import Order

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=SHOP_TZ)  # a Sunday
UTC = UTC


def at(**delta) -> datetime:
    return NOW - timedelta(**delta)


def suggest(engine, message, now=NOW, shop_id=None, compensation=None, **order):
    return engine.suggest(message, order=Order(**order), now=now, shop_id=shop_id, proposed_compensation=compensation)


def script(result, intent):
    return next(s for s in result.scripts if s.intent == intent)


def deadline(result, kind):
    return next(d for d in result.deadlines if d.kind == kind)


# --- branch by order state -------------------------------------------------------------------------------

BRANCHES = [
    # 截件
    # Not shipped: the buyer is cancelling the order (intents/intercept.yaml order_state), not stopping a parcel.
    ("不要了 帮我拦截一下", {"status": "awaiting_shipment"}, "cancel_order.not_shipped"),
    ("不要了 帮我拦截一下", {"status": "in_transit"}, "intercept.in_transit"),
    ("不要了 帮我拦截一下", {"status": "shipped"}, "intercept.in_transit"),
    ("不要了 拦截一下 我着急用钱 先退款吧", {"status": "in_transit"}, "intercept.in_transit_hurry"),
    ("不想要了 我已经申请仅退款了 帮我拦截", {"status": "in_transit"}, "intercept.refund_only_shipped"),
    ("不想要了 我申请仅退款了 快递能拦截吗", {"status": "out_for_delivery"}, "intercept.refund_only_at_station"),
    ("不要了 帮我拦截一下", {"status": "returning"}, "intercept.refund_on_return"),
    ("不要了 帮我拦截一下", {"status": "rejected"}, "intercept.refund_on_return"),
    ("不要了 帮我拦截一下", {"status": "signed", "signed_by": "proxy"}, "intercept.signed_proxy"),
    ("不要了 帮我拦截一下", {"status": "signed", "signed_by": "locker"}, "intercept.signed_proxy"),
    # Signed by the buyer: not a parcel to stop any more but a return (intents/intercept.yaml order_state).
    ("不要了 帮我拦截一下", {"status": "signed", "signed_by": "self"}, "seven_day_return.retain"),
    ("不要了 帮我拦截一下", {}, "intercept.confirm"),
    # 改地址
    ("地址写错了 帮我改一下地址", {"status": "awaiting_shipment"}, "address_change.not_shipped"),
    ("地址写错了 帮我改一下地址", {"status": "unpaid"}, "address_change.not_shipped"),
    ("地址写错了 帮我改一下地址", {"status": "in_transit"}, "address_change.not_signed"),
    ("地址写错了 帮我改一下地址", {"status": "out_for_delivery"}, "address_change.not_signed"),
    ("地址写错了 帮我改一下地址", {"status": "signed", "signed_by": "proxy"}, "address_change.signed_proxy"),
    ("地址写错了 帮我改一下地址", {"status": "signed", "signed_by": "self"}, "address_change.signed_self"),
    ("地址写错了 帮我改一下地址", {}, "address_change.check_status"),
    # 何时发货
    ("什么时候发货", {"status": "unpaid"}, "shipping_eta.unpaid"),
    (
        "什么时候发货",
        {"status": "awaiting_shipment", "paid_at": at(hours=71, minutes=59)},
        "shipping_eta.awaiting_shipment",
    ),
    ("什么时候发货", {"status": "awaiting_shipment", "paid_at": at(hours=72)}, "shipping_eta.over_72h"),
    # Shipped: the buyer is chasing a parcel (intents/shipping_eta.yaml order_state).
    ("什么时候发货", {"status": "in_transit"}, "delivery_chase.check_logistics"),
    # 七天无理由
    (
        "不喜欢 想七天无理由退货",
        {"status": "signed", "signed_at": at(days=7) + timedelta(seconds=1)},
        "seven_day_return.retain",
    ),
    ("不喜欢 想七天无理由退货", {"status": "signed", "signed_at": at(days=7)}, "seven_day_return.over_7_days"),
    ("不喜欢 想七天无理由退货", {"status": "signed", "signed_at": date(2026, 11, 15)}, "seven_day_return.retain"),
    ("不喜欢 想七天无理由退货", {"status": "signed", "signed_at": date(2026, 11, 14)}, "seven_day_return.over_7_days"),
    # 催件
    ("快递怎么还没到 帮我催一下", {"status": "shipped", "shipped_at": at(hours=47)}, "delivery_chase.pickup_timeout"),
    ("快递怎么还没到 帮我催一下", {"status": "shipped", "shipped_at": at(hours=48)}, "delivery_chase.no_tracking_48h"),
    (
        "快递怎么还没到 帮我催一下",
        {"status": "in_transit", "shipped_at": at(days=5), "last_tracking_at": at(days=2, hours=23)},
        "delivery_chase.check_logistics",
    ),
    (
        "快递怎么还没到 帮我催一下",
        {"status": "in_transit", "shipped_at": at(days=5), "last_tracking_at": at(days=3)},
        "delivery_chase.stalled",
    ),
    (
        "快递怎么还没到 帮我催一下",
        {"status": "in_transit", "shipped_at": at(days=12), "last_tracking_at": at(days=9, hours=23)},
        "delivery_chase.presumed_lost",  # 001: more than 5 days without movement counts as lost
    ),
    (
        "快递怎么还没到 帮我催一下",
        {"status": "in_transit", "shipped_at": at(days=12), "last_tracking_at": at(days=10)},
        "delivery_chase.stalled_no_result",
    ),
]


@pytest.mark.parametrize(("message", "order", "script_id"), BRANCHES)
def test_branch_follows_the_order_state(engine, message, order, script_id):
    result = suggest(engine, message, **order)
    intent = script_id.split(".")[0]
    assert script(result, intent).script_id == script_id


@pytest.mark.parametrize("intent_message", ["不要了 帮我拦截一下", "地址写错了 帮我改一下地址", "什么时候发货"])
def test_without_status_the_agent_is_asked_to_verify_it(engine, intent_message):
    result = suggest(engine, intent_message)
    assert "先核实订单物流状态(未发货 / 在途 / 已签收)" in result.scripts[0].asks


def test_signed_without_signer_asks_who_signed(engine):
    result = suggest(engine, "地址写错了 帮我改一下地址", status="signed")
    assert any("核实签收人" in a for a in script(result, "address_change").asks)


# --- 七天无理由 window (seed 000: 168 h after the sign-in time; date only: from 00:00 of the next day) ---------


@pytest.mark.parametrize(
    ("signed_at", "eligible", "until"),
    [
        (datetime(2026, 11, 15, 12, 0, 1, tzinfo=SHOP_TZ), True, "2026-11-22T12:00:01+08:00"),
        (datetime(2026, 11, 15, 12, 0, 0, tzinfo=SHOP_TZ), False, "2026-11-22T12:00:00+08:00"),
        (datetime(2026, 11, 15, 4, 0, 1, tzinfo=UTC), True, "2026-11-22T04:00:01+00:00"),  # same instant in UTC
        (datetime(2026, 11, 15, 3, 59, 59, tzinfo=UTC), False, "2026-11-22T03:59:59+00:00"),
        (date(2026, 11, 15), True, "2026-11-23T00:00:00+08:00"),  # 00:00 of the 16th + 168 h
        (date(2026, 11, 14), False, "2026-11-22T00:00:00+08:00"),
    ],
)
def test_seven_day_window(engine, signed_at, eligible, until):
    result = suggest(engine, "不喜欢 想七天无理由退货", status="signed", signed_at=signed_at, signed_by="self")
    e = result.eligibility["seven_day_return"]
    assert e.eligible is eligible and e.until.isoformat() == until
    if eligible:
        assert deadline(result, "seven_day_return_window").due_at == e.until
    else:
        assert "已超过" in e.why and script(result, "seven_day_return").script_id == "seven_day_return.over_7_days"


def test_seven_day_window_not_started_before_signing(engine):
    e = suggest(engine, "不喜欢 想七天无理由退货", status="in_transit").eligibility["seven_day_return"]
    assert e.eligible is None and e.until is None and "尚未签收" in e.why


@pytest.mark.parametrize(
    ("insurance", "expected"),
    [(True, "运费险赔付 6-12 元"), (False, "运费由买家承担"), (None, "有运费险可赔付 6-12 元")],
)
def test_who_pays_return_shipping(engine, insurance, expected):
    result = suggest(
        engine, "不喜欢 想七天无理由退货", status="signed", signed_at=at(days=1), shipping_insurance=insurance
    )
    assert any(expected in n for n in script(result, "seven_day_return").notes)


@pytest.mark.parametrize(
    ("product", "warehouse"), [("杯子", "环球仓"), ("电动冲牙器", "冲牙器专用退货地址"), ("禾兰仕茶吧机", "顺丰云仓")]
)
def test_return_warehouse_by_product_line(engine, product, warehouse):
    from app.core.order import Item

    result = suggest(
        engine,
        "不喜欢 想七天无理由退货",
        status="signed",
        signed_at=at(days=1),
        items=(Item(Decimal("99"), 1, "A", product),),
    )
    assert any(n.startswith("退货寄回:") and warehouse in n for n in script(result, "seven_day_return").notes)


# --- 丢件: three working days, Chinese holidays and make-up working days -----------------------------------


@pytest.mark.parametrize(
    ("now", "due", "mentions", "approximate"),
    [
        (datetime(2026, 11, 20, 10, tzinfo=SHOP_TZ), "2026-11-25T23:59:59+08:00", None, False),  # Fri → Mon, Tue, Wed
        (datetime(2026, 9, 30, 15, tzinfo=SHOP_TZ), "2026-10-10T23:59:59+08:00", "国庆节", False),  # Sat 10 Oct works
        (datetime(2026, 2, 13, 10, tzinfo=SHOP_TZ), "2026-02-25T23:59:59+08:00", "春节", False),  # Sat 14 Feb works
        (datetime(2026, 12, 30, 10, tzinfo=SHOP_TZ), "2027-01-04T23:59:59+08:00", "按周末计算", True),
    ],
)
def test_lost_parcel_verification_deadline(engine, now, due, mentions, approximate):
    result = suggest(engine, "快递显示签收了 但我根本没收到", now=now)
    d = deadline(result, "lost_parcel_verification")
    assert d.due_at.isoformat() == due and d.intent == "lost_parcel"
    if mentions:
        assert mentions in d.why
    assert ("按周末计算" in d.why) is approximate


# --- 催件 thresholds ----------------------------------------------------------------------------------------


def test_pickup_timeout_deadline_is_48h_after_shipping(engine):
    shipped = at(hours=10)
    result = suggest(engine, "快递怎么还没到 帮我催一下", status="shipped", shipped_at=shipped)
    assert deadline(result, "pickup_timeout").due_at == shipped + timedelta(hours=48)
    assert deadline(result, "courier_feedback").due_at == NOW + timedelta(hours=2)


def test_abnormal_logistics_after_seven_days_then_claim(engine):
    last = at(days=8)
    result = suggest(
        engine, "快递怎么还没到 帮我催一下", status="in_transit", shipped_at=at(days=9), last_tracking_at=last
    )
    assert deadline(result, "courier_claim").due_at == last + timedelta(days=10)
    assert any("非正常物流" in n for n in script(result, "delivery_chase").notes)


def test_shop_can_tighten_the_stall_threshold(engine):
    order = {"status": "in_transit", "shipped_at": at(days=4), "last_tracking_at": at(days=2)}
    assert (
        script(suggest(engine, "快递怎么还没到 帮我催一下", **order), "delivery_chase").script_id
        == "delivery_chase.check_logistics"
    )
    assert (
        script(suggest(engine, "快递怎么还没到 帮我催一下", shop_id="demo-shop", **order), "delivery_chase").script_id
        == "delivery_chase.stalled"
    )


# --- late shipment (seed 000: 72 h; 30 % of the price, at most 500 元) ------------------------------------------


@pytest.mark.parametrize(("amount", "penalty"), [(Decimal("100"), "30.00"), (Decimal("2000"), "500.00")])
def test_late_shipment_penalty_is_noted(engine, amount, penalty):
    result = suggest(engine, "怎么还不发货 都好几天了", status="awaiting_shipment", paid_at=at(hours=80), amount=amount)
    notes = " ".join(n for s in result.scripts for n in s.notes)
    assert f"本单 {penalty} 元" in notes
    assert deadline(result, "ship_by").due_at == at(hours=8)


def test_no_penalty_note_inside_72h(engine):
    result = suggest(engine, "怎么还不发货", status="awaiting_shipment", paid_at=at(hours=70), amount=Decimal("100"))
    assert not any("违约金" in n for s in result.scripts for n in s.notes)


# --- 破损 / 漏发 / 错发: who signed changes who is responsible ---------------------------------------------------


@pytest.mark.parametrize(("signer", "note"), [("proxy", "第三方代签"), ("locker", "第三方代签"), ("self", "本人签收")])
def test_signer_changes_responsibility(engine, signer, note):
    result = suggest(engine, "收到的杯子碎了", status="signed", signed_by=signer, signed_at=at(days=1))
    assert any(note in n for n in script(result, "damaged").notes)


# --- compensation limits -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "offer", "shop", "needed"),
    [
        ("杯子碎了", Decimal("30"), None, False),
        ("杯子碎了", Decimal("30.01"), None, True),
        ("杯子碎了", Decimal("40"), None, True),
        ("杯子碎了", Decimal("40"), "demo-shop", False),  # that shop lets agents offer up to 50 元
        ("杯子碎了 你们至少赔我40块", None, None, True),  # the amount the buyer asks for counts too
        ("杯子碎了 买的时候40块", None, None, None),  # a price is not a compensation request
    ],
)
def test_needs_approval(engine, message, offer, shop, needed):
    result = suggest(engine, message, compensation=offer, shop_id=shop)
    if needed is None:
        assert result.approval is None
        return
    assert result.approval.needed is needed
    assert result.approval.approver == "店长"
    if needed:
        assert deadline(result, "supervisor_approval").due_at == NOW + timedelta(hours=12)  # 001
        assert any(a.id == "escalate_manager" for a in script(result, "damaged").actions)


def test_deadlines_are_sorted_and_tagged(engine):
    result = suggest(engine, "不要了 帮我拦截一下", status="awaiting_shipment", paid_at=at(hours=2))
    dues = [d.due_at for d in result.deadlines]
    assert dues == sorted(dues) and all(d.intent == "cancel_order" for d in result.deadlines)
    assert {d.kind for d in result.deadlines} == {"refund_first_response", "refund_handling", "ship_by"}


# --- every intent × every order state ------------------------------------------------------------------------


def _walk_cases():
    from app.core.content import load_catalog
    from app.core.normalize import Normalizer
    from app.settings import PROJECT_ROOT

    catalog = load_catalog(PROJECT_ROOT, Normalizer())
    states = [
        {},
        {"status": "unpaid"},
        {"status": "awaiting_shipment"},
        {"status": "shipped"},
        {"status": "in_transit"},
        {"status": "out_for_delivery"},
        {"status": "rejected"},
        {"status": "returning"},
        {"status": "signed", "signed_by": "self"},
        {"status": "signed", "signed_by": "proxy"},
        {"status": "signed", "signed_by": "locker"},
    ]
    return [
        pytest.param(
            i.id, i.tests[0].text, state, id=f"{i.id}-{state.get('status', 'unknown')}-{state.get('signed_by', '')}"
        )
        for i in catalog.public_intents
        for state in states
    ]


@pytest.mark.parametrize(("intent", "message", "state"), _walk_cases())
def test_every_intent_in_every_state(engine, intent, message, state):
    result = suggest(engine, message, **state)
    # Where the order's state decides (intents/*.yaml order_state), the flow walked is the one it turns to.
    status, signer = state.get("status"), state.get("signed_by")
    rule = next(
        (
            r
            for r in engine.catalog.intents[intent].redirects
            if status in r.when.order_status and (not r.when.signed_by or signer in r.when.signed_by)
        ),
        None,
    )
    intent = rule.intent if rule is not None else intent
    s = script(result, intent)
    flow = engine.catalog.flows[intent]
    chosen = flow.branch(s.script_id.split(".", 1)[1])
    status, signer = state.get("status"), state.get("signed_by")
    assert not chosen.when.order_status or status in chosen.when.order_status
    assert not chosen.when.signed_by or signer in chosen.when.signed_by
    state_only = [
        b
        for b in flow.branches
        if not b.entry
        and b.when.specificity
        and not (b.when.message_has or b.when.evidence_received or b.when.assessment or b.when.remedy)
        and (not b.when.order_status or status in b.when.order_status)
        and (not b.when.signed_by or signer in b.when.signed_by)
    ]
    if state_only:  # the order's state alone selects a branch: it must not stay on the entry step
        assert not chosen.entry and chosen.when.specificity >= max(b.when.specificity for b in state_only)
    uses_status = any(b.when.order_status for b in flow.branches)
    assert (status is None and uses_status) == any("先核实订单物流状态" in a for a in s.asks)
    dues = [d.due_at for d in result.deadlines]
    assert dues == sorted(dues)


@pytest.mark.parametrize(("shop", "limit"), [(None, "5-30元"), ("demo-shop", "5-50元")])
def test_the_ladder_is_noted_where_a_remedy_is_negotiated(engine, shop, limit):
    notes = script(suggest(engine, "收到的杯子碎了", shop_id=shop), "damaged").notes
    assert f"处理顺序:解释 → 优惠券 → 补偿({limit},以上请示店长) → 换货 → 退货;除非必须,不先提退换货" in notes
    assert not any(
        n.startswith("处理顺序") for n in script(suggest(engine, "快递到哪了 帮我催一下"), "delivery_chase").notes
    )
