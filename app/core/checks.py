"""The checks a flow can ask for (``checks:`` in phrasebook/<intent>.yaml, named by
:class:`app.core.terms.Check`), and the late-shipment rule every intent gets. Each reads the order, the
time and the shop's policy and adds facts, deadlines, eligibility, notes or questions to the situation;
those that are time windows are in app/core/windows.py."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta

from app.core import address
from app.core.content.policy import Policy, compensation_range
from app.core.situation import CheckFn, Deadline, Given, Situation
from app.core.terms import Check, DeadlineKind, Signer
from app.core.windows import (
    late_shipment,
    logistics_stages,
    lost_verification,
    presumed_lost,
    quality_check,
    refund_handling,
    seven_day_window,
)

_STEP_NAMES = {"explain": "解释", "coupon": "优惠券", "compensate": "补偿", "exchange": "换货", "return": "退货"}


def for_flow(checks: Sequence[Check]) -> tuple[CheckFn, ...]:
    """What runs for a flow: the late-shipment rule (any intent), then the flow's own checks in its order."""
    return (late_shipment, *(CHECKS[c] for c in checks))


def ladder_note(policy: Policy, intent: str | None = None) -> str:
    steps = []
    for step in policy.ladder:
        name = _STEP_NAMES[step]
        if step == "compensate":
            low, high = compensation_range(policy, intent)
            name += f"({low}-{high}元,以上请示{policy.compensation.approver})"
        steps.append(name)
    return "处理顺序:" + " → ".join(steps) + ";除非必须,不先提退换货"


def remedy_ladder(g: Given, s: Situation) -> None:
    # Where a remedy is negotiated, seed 000's order applies: no 退换货 offered first unless it must be.
    s.notes.append(ladder_note(g.policy, g.intent))


def warehouse_feedback(g: Given, s: Situation) -> None:
    minutes = g.policy.response_minutes.courier_feedback
    s.deadlines.append(
        Deadline(
            DeadlineKind.WAREHOUSE_FEEDBACK,
            g.since + timedelta(minutes=minutes),
            f"仓库/物流接口人 {minutes // 60} 小时内反馈核实结果(001 对接标准)",
        )
    )


def signer_liability(g: Given, s: Situation) -> None:
    if g.order.signed_by in (Signer.PROXY, Signer.LOCKER):
        s.notes.append("第三方代签:若快递未联系买家并取得同意,签收不视为本人签收,破损/短少由商家向快递追责处理")
    elif g.order.signed_by == Signer.SELF:
        s.notes.append("本人签收:按平台规则,本人签收未验货的由买家承担责任,仍应安抚并协商处理")


def refund_first_response(g: Given, s: Situation) -> None:
    minutes = g.policy.response_minutes.refund_first_response
    s.deadlines.append(
        Deadline(
            DeadlineKind.REFUND_FIRST_RESPONSE,
            g.since + timedelta(minutes=minutes),
            f"退款申请 {minutes} 分钟内首次响应(买家多半仍在线)",
        )
    )


def address_format(g: Given, s: Situation) -> None:
    found = address.check(g.message, g.entities)
    if found is None:
        return
    if found.missing:
        s.notes.append(f"新收货信息:已有{'、'.join(found.present)};缺少{'、'.join(found.missing)}")
        s.asks.append(f"请买家补充:{'、'.join(found.missing)}(格式:名字+电话+完整地址+邮编)")
    else:
        s.notes.append("新收货信息格式齐全:名字、电话、完整地址、邮编")


def return_warehouse(g: Given, s: Situation) -> None:
    """Seed 003: returns go to 环球仓 (冲牙器 excepted); 禾兰仕 goes to 顺丰云仓, for a 破损 exchange too."""
    warehouse = g.policy.return_warehouses.for_product(g.order.product_names)
    line = warehouse.line() or warehouse.name
    s.notes.append(f"换货/退货寄回:{line}")


CHECKS: Mapping[Check, CheckFn] = {
    Check.REMEDY_LADDER: remedy_ladder,
    Check.SEVEN_DAY_WINDOW: seven_day_window,
    Check.LOGISTICS_STAGES: logistics_stages,
    Check.LOST_VERIFICATION: lost_verification,
    Check.WAREHOUSE_FEEDBACK: warehouse_feedback,
    Check.SIGNER_LIABILITY: signer_liability,
    Check.REFUND_FIRST_RESPONSE: refund_first_response,
    Check.ADDRESS: address_format,
    Check.PRESUMED_LOST: presumed_lost,
    Check.QUALITY_CHECK: quality_check,
    Check.REFUND_HANDLING: refund_handling,
    Check.RETURN_WAREHOUSE: return_warehouse,
}


# The words the checks (above, and windows.py) write as facts from the order data: an agent never chooses them,
# the order proves them (the case cockpit shows no button for them). over_<hours>h is the late-shipment rule's,
# with the shop's hours.
DERIVED = frozenset({"over_7_days", "pickup_timeout", "no_tracking_48h", "stalled", "no_result", "presumed_lost"})
_LATE = re.compile(r"over_\d+h")


def derived(word: str) -> bool:
    """Whether an assessment word is proven by the order data rather than chosen by the agent."""
    return word in DERIVED or _LATE.fullmatch(word) is not None
