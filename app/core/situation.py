"""What the order's state and the shop's policy mean for one intent, at one moment: facts that pick
branches, deadlines, eligibility, the platform notes an agent must not miss, and what to verify first.

Facts use the phrasebook's assessment words (over_7_days, stalled, no_tracking_48h, over_72h …), so a
branch an agent could pick by hand is picked for them when the order data already proves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.core.content.policy import Policy
from app.core.order import BEFORE_SHIPPING, ON_THE_WAY, Order
from app.core.workdays import add_workdays

FEN = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str
    due_at: datetime
    why: str
    intent: str | None = None


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool | None  # None: cannot tell yet (e.g. not signed, or no sign-in time)
    until: datetime | None
    why: str


@dataclass
class Situation:
    facts: set[str] = field(default_factory=set)
    deadlines: list[Deadline] = field(default_factory=list)
    eligibility: dict[str, Eligibility] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)


def seven_day_window_end(signed_at: datetime | date, policy: Policy, tz) -> datetime:  # type: ignore[no-untyped-def]
    """Seed 000: 168 h after the sign-in time; with only a date, counted from 00:00 of the next day."""
    hours = timedelta(hours=policy.seven_day_return.window_hours)
    if isinstance(signed_at, datetime):
        return signed_at + hours
    return datetime.combine(signed_at + timedelta(days=1), time(0, 0), tzinfo=tz) + hours


def assess(
    intent: str,
    order: Order,
    now: datetime,
    policy: Policy,
    *,
    needs_status: bool,
    needs_signer: bool,
    reported_at: datetime | None = None,
) -> Situation:
    """``reported_at``: when the problem was first reported (the case opened); deadlines that run from
    the report count from it, so they do not move with every new message."""
    s = Situation()
    if order.status is None and needs_status:
        s.asks.append("先核实订单物流状态(未发货 / 在途 / 已签收)")
    if order.status == "signed" and order.signed_by is None and needs_signer:
        s.asks.append("核实签收人:本人、代签(门卫/家人/驿站)还是快递柜")
    _late_shipment(order, now, policy, s)
    if intent in _NEGOTIATED:
        s.notes.append(ladder_note(policy))
    rule = _RULES.get(intent)
    if rule is not None:
        rule(order, now, policy, s, reported_at or now)
    s.deadlines = [replace(d, intent=d.intent or intent) for d in s.deadlines]
    return s


_STEP_NAMES = {"explain": "解释", "coupon": "优惠券", "compensate": "补偿", "exchange": "换货", "return": "退货"}
# Where a remedy is negotiated, seed 000's order applies: no 退换货 offered first unless it must be.
_NEGOTIATED = frozenset({"damaged", "missing_item", "wrong_item", "quality_issue", "seven_day_return", "complaint"})


def ladder_note(policy: Policy) -> str:
    steps = []
    for step in policy.ladder:
        name = _STEP_NAMES[step]
        if step == "compensate":
            c = policy.compensation
            name += f"({c.agent_min}-{c.agent_max}元,以上请示{c.approver})"
        steps.append(name)
    return "处理顺序:" + " → ".join(steps) + ";除非必须,不先提退换货"


def _late_shipment(order: Order, now: datetime, policy: Policy, s: Situation) -> None:
    rule = policy.late_shipment
    if order.status not in BEFORE_SHIPPING or order.paid_at is None:
        return
    ship_by = order.paid_at + timedelta(hours=rule.hours)
    s.deadlines.append(Deadline("ship_by", ship_by, f"付款后 {rule.hours} 小时内发货(平台延迟发货规则)"))
    if now < ship_by:
        return
    s.facts.add(f"over_{rule.hours}h")
    if order.amount is not None:
        penalty = min(order.amount * rule.penalty_rate, rule.penalty_cap).quantize(FEN, ROUND_HALF_UP)
        s.notes.append(
            f"付款已超过 {rule.hours} 小时未发货:买家可申请延迟发货赔付,违约金为成交金额的 "
            f"{rule.penalty_rate:.0%}、最高 {rule.penalty_cap} 元(本单 {penalty} 元),请谨慎处理,优先尽快发出"
        )
    else:
        s.notes.append(
            f"付款已超过 {rule.hours} 小时未发货:平台违约金为成交金额的 {rule.penalty_rate:.0%}、"
            f"最高 {rule.penalty_cap} 元,请谨慎处理"
        )


def _seven_day(order: Order, now: datetime, policy: Policy, s: Situation, since: datetime) -> None:
    hours = policy.seven_day_return.window_hours
    if order.signed_at is None:
        if order.status in BEFORE_SHIPPING | ON_THE_WAY:
            s.eligibility["seven_day_return"] = Eligibility(None, None, "尚未签收:七天无理由自签收起算")
        else:
            s.eligibility["seven_day_return"] = Eligibility(None, None, "缺少签收时间,无法判断是否在七天内")
            s.asks.append("核实签收时间(七天无理由自签收起算 168 小时)")
        return
    until = seven_day_window_end(order.signed_at, policy, now.tzinfo)
    basis = (
        f"签收时间后 {hours} 小时"
        if isinstance(order.signed_at, datetime)
        else f"仅有签收日期,自次日零时起算 {hours} 小时"
    )
    if now < until:
        s.eligibility["seven_day_return"] = Eligibility(
            True, until, f"在七天无理由期限内({basis});商品需未使用、包装完好、不影响二次销售"
        )
        s.deadlines.append(Deadline("seven_day_return_window", until, f"七天无理由截止({basis})"))
    else:
        s.facts.add("over_7_days")
        s.eligibility["seven_day_return"] = Eligibility(False, until, f"已超过七天无理由期限({basis})")
    insured = order.shipping_insurance
    ins = policy.shipping_insurance
    if insured:
        s.notes.append(f"退货运费:买家先垫付,运费险赔付 {ins.min}-{ins.max} 元(最高 {ins.max} 元)")
    elif insured is False:
        s.notes.append("退货运费:个人原因退货、无运费险,运费由买家承担;质量问题由卖家承担")
    else:
        s.notes.append(f"退货运费:个人原因由买家承担(有运费险可赔付 {ins.min}-{ins.max} 元);质量问题由卖家承担")
    s.notes.append(f"退货寄回:{policy.return_warehouses.for_product(order.product_names)}")


def _delivery(order: Order, now: datetime, policy: Policy, s: Situation, since: datetime) -> None:
    lg = policy.logistics
    if order.status not in ON_THE_WAY:
        return
    s.deadlines.append(
        Deadline(
            "courier_feedback",
            now + timedelta(minutes=policy.response_minutes.courier_feedback),
            "通知快递核实后,物流接口人应在此前反馈",
        )
    )
    if order.last_tracking_at is None and order.shipped_at is not None:
        pickup_due = order.shipped_at + timedelta(hours=lg.pickup_timeout_hours)
        if now >= pickup_due:
            s.facts.add("no_tracking_48h")
            s.notes.append(f"发货已超过 {lg.pickup_timeout_hours} 小时仍无物流信息:可补发或退款")
        else:
            s.facts.add("pickup_timeout")
            s.deadlines.append(
                Deadline("pickup_timeout", pickup_due, f"发货后 {lg.pickup_timeout_hours} 小时内无物流信息则补发或退款")
            )
        return
    if order.last_tracking_at is None:
        return
    abnormal = order.last_tracking_at + timedelta(days=lg.abnormal_days)
    claim = abnormal + timedelta(days=lg.claim_after_days)
    # Successive stages, one fact at a time: past the claim date the stall is no longer the news.
    if now >= claim:
        s.facts.add("no_result")
    elif now - order.last_tracking_at >= timedelta(days=lg.stalled_days):
        s.facts.add("stalled")
    if now >= claim:
        s.notes.append(
            f"物流超过 {lg.abnormal_days} 天无更新、已给快递 {lg.claim_after_days} 天核实:可上报理赔,补发或退款"
        )
    elif now >= abnormal:
        s.notes.append(f"物流超过 {lg.abnormal_days} 天无更新,属于非正常物流:给快递 {lg.claim_after_days} 天核实")
        s.deadlines.append(
            Deadline("courier_claim", claim, f"快递 {lg.claim_after_days} 天内无有效回复或仍无更新,上报理赔")
        )
    else:
        s.deadlines.append(
            Deadline("abnormal_logistics", abnormal, f"超过 {lg.abnormal_days} 天无物流更新即属非正常物流")
        )


def _lost(order: Order, now: datetime, policy: Policy, s: Situation, since: datetime) -> None:
    days = policy.logistics.lost_verification_workdays
    result = add_workdays(since, days)
    why = f"{days} 个工作日内无核实结果即补发或退款"
    if result.skipped_holidays:
        why += f"(已跳过{'、'.join(result.skipped_holidays)}假期)"
    if result.approximate:
        why += "(该年节假日安排未知,仅按周末计算)"
    s.deadlines.append(Deadline("lost_parcel_verification", result.due, why))


def _proxy_signed(order: Order, now: datetime, policy: Policy, s: Situation, since: datetime) -> None:
    minutes = policy.response_minutes.courier_feedback
    s.deadlines.append(
        Deadline(
            "warehouse_feedback",
            since + timedelta(minutes=minutes),
            f"仓库/物流接口人 {minutes // 60} 小时内反馈核实结果(001 对接标准)",
        )
    )
    if order.signed_by in ("proxy", "locker"):
        s.notes.append("第三方代签:若快递未联系买家并取得同意,签收不视为本人签收,破损/短少由商家向快递追责处理")
    elif order.signed_by == "self":
        s.notes.append("本人签收:按平台规则,本人签收未验货的由买家承担责任,仍应安抚并协商处理")


def _refund_response(order: Order, now: datetime, policy: Policy, s: Situation, since: datetime) -> None:
    minutes = policy.response_minutes.refund_first_response
    s.deadlines.append(
        Deadline(
            "refund_first_response",
            since + timedelta(minutes=minutes),
            f"退款申请 {minutes} 分钟内首次响应(买家多半仍在线)",
        )
    )


_RULES = {
    "seven_day_return": _seven_day,
    "delivery_chase": _delivery,
    "lost_parcel": _lost,
    "damaged": _proxy_signed,
    "missing_item": _proxy_signed,
    "wrong_item": _proxy_signed,
    "refund_progress": _refund_response,
    "intercept": _refund_response,
}


@dataclass(frozen=True, slots=True)
class Approval:
    needed: bool
    amount: Decimal
    agent_limit: Decimal
    approver: str
    why: str
    answer_by: datetime | None  # when the approver should have answered (response standard)


def approval(amount: Decimal | None, policy: Policy, now: datetime) -> Approval | None:
    """Seed 000: agents may compensate within 5–30 元 themselves; above that the 店长 decides."""
    if amount is None:
        return None
    c = policy.compensation
    if amount > c.agent_max:
        minutes = policy.response_minutes.supervisor_approval
        return Approval(
            True,
            amount,
            c.agent_max,
            c.approver,
            f"{amount} 元超过客服可自行补偿的 {c.agent_min}-{c.agent_max} 元,须请示{c.approver}",
            now + timedelta(minutes=minutes),
        )
    return Approval(
        False,
        amount,
        c.agent_max,
        c.approver,
        f"{amount} 元在客服可自行补偿的 {c.agent_min}-{c.agent_max} 元以内",
        None,
    )
