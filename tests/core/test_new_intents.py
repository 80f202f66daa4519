"""The intents added for what real buyers send beside the eight: each is recognised, its flow's first step asks
or explains without promising, and the order's state picks the step (or the intent) where it matters."""

from __future__ import annotations

import pytest

from app.core.order import Order
from app.core.terms import OrderStatus as S
from app.core.terms import Signer


@pytest.mark.parametrize(
    ("message", "status", "script"),
    [
        ("我想取消订单", None, "cancel_order.check"),
        ("我想取消订单", S.AWAITING_SHIPMENT, "cancel_order.not_shipped"),
        ("我想取消订单", S.IN_TRANSIT, "intercept.in_transit"),  # shipped: the 截件 flow, not a cancellation
        ("能退货吗", None, "return_request.ask_reason"),
        ("能退货吗", S.SIGNED, "return_request.ask_reason"),
        ("能退货吗", S.IN_TRANSIT, "intercept.in_transit"),
        ("能退货吗", S.AWAITING_SHIPMENT, "cancel_order.not_shipped"),
        ("能换个尺码吗", None, "exchange.ask_target"),
        ("屏幕摔碎了能不能修", None, "repair.diagnose"),
        ("刚买就降价了 能补差价吗", None, "price_protection.check_price"),
        ("拒收以后钱什么时候退", None, "refund_after_return.check_return"),
        ("拒收以后钱什么时候退", S.REJECTED, "refund_after_return.refund_on_return"),
        ("拒收会不会影响信用", None, "policy_question.refuse"),
        ("退货运费谁出", None, "policy_question.shipping_fee"),
        ("怎么申请售后", None, "policy_question.explain"),
    ],
)
def test_each_new_intent_and_its_order_state_steps(engine, message, status, script):
    s = engine.suggest(message, order=Order(status=status, signed_by=Signer.SELF if status is S.SIGNED else None))
    assert [x.script_id for x in s.scripts] == [script]


@pytest.mark.parametrize(
    "intent", ["cancel_order", "return_request", "exchange", "repair", "price_protection", "refund_after_return"]
)
def test_a_new_intents_first_step_promises_nothing_it_cannot_know(engine, intent):
    entry = engine.catalog.flows[intent].entry
    assert not any(p in entry.text for p in ("给您补发", "给您退款", "马上退款", "给您补偿", "差价会给您退"))
    # It asks or checks first: no remedy is recorded before the order state and the reason are known.
    remedies = {"refund", "resend", "compensate", "partial_refund", "exchange", "return_refund", "cancel_shipment"}
    assert not set(entry.actions) & remedies


def test_the_seed_rules_behind_the_new_flows(engine):
    exchange = engine.catalog.flows["exchange"].branch("in_stock")
    assert "6-12元" in exchange.text and "七天无理由" in exchange.text  # 003 换货: 运费险, 申请原因
    refund = engine.catalog.flows["refund_after_return"].branch("refund_on_return")
    assert refund.when.order_status == {S.REJECTED, S.RETURNING} and "register" in refund.actions  # 003 截件
    over = engine.catalog.flows["return_request"].branch("over_7_days")
    assert over.when.assessment == "over_7_days"  # 000: 签收后168小时
