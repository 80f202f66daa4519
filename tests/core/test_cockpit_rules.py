"""The seed rules added for the cockpit (issue 16), each as a table: policy + core check → facts, branches and
deadlines in Suggestion.deadlines; the return address from the shop's policy; the 不制冷 retention offer; the
judgements an agent may choose."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.core.checks import derived
from app.core.clock import SHOP_TZ
from app.core.engine import Engine
from app.core.lint import lint
from app.core.order import Item, Order
from app.core.terms import DeadlineKind, OrderStatus

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=SHOP_TZ)
ROOT = Path(__file__).resolve().parents[2]


def kinds(result) -> dict[DeadlineKind, datetime]:
    return {d.kind: d.due_at for d in result.deadlines}


@pytest.mark.parametrize(
    ("days_still", "branch", "lost_due"),
    [
        (1, "delivery_chase.check_logistics", NOW + timedelta(days=4)),  # moving recently: not lost yet
        (4, "delivery_chase.stalled", NOW + timedelta(days=1)),  # stalled (3 days), lost in 1 day
        (5, "delivery_chase.presumed_lost", None),  # 001: 5 days without movement → lost: 补发 or 退款
        (8, "delivery_chase.presumed_lost", None),
        (11, "delivery_chase.stalled_no_result", None),  # past the claim date: that branch says it all
    ],
)
def test_five_days_without_tracking_counts_as_lost(engine: Engine, days_still, branch, lost_due):
    order = Order(
        status=OrderStatus.IN_TRANSIT,
        shipped_at=NOW - timedelta(days=12),
        last_tracking_at=NOW - timedelta(days=days_still),
    )
    result = engine.suggest("快递怎么还不动", order=order, now=NOW)
    assert result.scripts[0].script_id == branch
    assert kinds(result).get(DeadlineKind.PRESUMED_LOST) == lost_due
    if branch.endswith("presumed_lost"):
        assert {"resend", "refund"} <= {a.id for a in result.scripts[0].actions}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # 000: a refund request is handled within 24 h; 001: first response within 30 min.
        ("退款怎么还没到账", {DeadlineKind.REFUND_FIRST_RESPONSE: 30, DeadlineKind.REFUND_HANDLING: 24 * 60}),
        ("还没发货 不要了 取消订单", {DeadlineKind.REFUND_HANDLING: 24 * 60}),
        # 001: the quality check answers within 12 h inside, 48 h outside.
        ("茶吧机漏水", {DeadlineKind.QUALITY_CHECK_INTERNAL: 12 * 60, DeadlineKind.QUALITY_CHECK_EXTERNAL: 48 * 60}),
    ],
)
def test_handling_and_quality_check_deadlines(engine: Engine, message, expected):
    result = engine.suggest(message, now=NOW)
    got = kinds(result)
    for kind, minutes in expected.items():
        assert got[kind] == NOW + timedelta(minutes=minutes), (message, kind)


@pytest.mark.parametrize(("amount", "needed", "hours"), [(Decimal("30"), False, None), (Decimal("50"), True, 12)])
def test_approval_is_answered_within_12_hours(engine: Engine, amount, needed, hours):
    result = engine.suggest("杯子碎了", proposed_compensation=amount, now=NOW)
    assert result.approval is not None and result.approval.needed is needed
    if hours:
        assert result.approval.answer_by == NOW + timedelta(hours=hours)
        assert kinds(result)[DeadlineKind.SUPERVISOR_APPROVAL] == NOW + timedelta(hours=hours)


@pytest.mark.parametrize(
    ("shop", "item", "expected"),
    [
        (None, "玻璃杯", "【退货地址】"),  # the defaults name no address: the agent fills it, the lint warns
        ("demo-shop", "玻璃杯", "环球仓(示例省示例市示例区环球路1号"),
        ("demo-shop", "电动冲牙器 X1", "冲牙器退货点(示例省示例市示例区冲牙器售后中心2号"),
        ("demo-shop", "禾兰仕 茶吧机", "顺丰云仓(示例省示例市示例区顺丰云仓3号"),
    ],
)
def test_return_address_by_product_line(engine: Engine, shop, item, expected):
    order = Order(status=OrderStatus.SIGNED, items=(Item(Decimal("99"), 1, "i1", item),))
    result = engine.advise(
        engine.triage("茶吧机质量有问题", order=order),
        order=order,
        assessment="not_retained",
        shop_id=shop,
        now=NOW,
    )
    script = result.scripts[0]
    assert script.script_id == "quality_issue.return_refund"
    assert expected in script.text
    assert ("return_address" in script.missing_placeholders) is (shop is None)


def test_a_damaged_exchange_of_helanshi_goes_to_the_sf_cloud_warehouse(engine: Engine):
    order = Order(status=OrderStatus.SIGNED, items=(Item(Decimal("99"), 1, "i1", "禾兰仕 电饭煲"),))
    result = engine.advise(
        engine.triage("锅碎了", order=order),
        order=order,
        evidence_received=frozenset({"box_photos", "item_photos"}),
        assessment="box_intact_slight",
        shop_id="demo-shop",
        now=NOW,
    )
    assert result.scripts[0].script_id == "damaged.box_intact_slight"
    assert any(n.startswith("换货/退货寄回:顺丰云仓(") for n in result.scripts[0].notes), result.scripts[0].notes


@pytest.mark.parametrize(
    ("proposed", "text_amount", "verdict"),
    [(None, "10", "在范围内"), (Decimal("15"), "15", "在范围内"), (Decimal("25"), "25", "超出范围")],
)
def test_no_cooling_retention_is_suggested_and_checked(engine: Engine, proposed, text_amount, verdict):
    result = engine.suggest("茶吧机不制冷了", proposed_compensation=proposed, now=NOW)
    script = result.scripts[0]
    assert script.script_id == "quality_issue.no_cooling_retain"
    assert f"申请{text_amount}元" in script.text
    note = next(n for n in script.notes if n.startswith("建议补偿 10-20 元"))
    assert verdict in note


@pytest.mark.parametrize(
    ("word", "is_derived"),
    [
        ("over_7_days", True),
        ("over_72h", True),
        ("over_96h", True),
        ("presumed_lost", True),
        ("box_damaged_severe", False),
    ],
)
def test_derived_words_are_not_for_the_agent(word, is_derived):
    assert derived(word) is is_derived


def test_lint_flags_a_shop_that_cannot_fill_the_return_address(tmp_path: Path):
    import shutil

    root = tmp_path / "content"
    for sub in ("intents", "phrasebook", "policy"):
        shutil.copytree(ROOT / sub, root / sub)
    assert not [e for e in lint(root).errors if "return_address" in e.message]
    (root / "phrasebook/shops/nowhere").mkdir()
    (root / "phrasebook/shops/nowhere/policy.yaml").write_text("compensation:\n  agent_max: 20\n", encoding="utf-8")
    errors = [e for e in lint(root).errors if "return_address" in e.message]
    assert [e.file for e in errors] == ["phrasebook/shops/nowhere/policy.yaml"]
    assert "环球仓" in errors[0].message
