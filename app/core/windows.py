"""The time windows of the platform rules: ship-by (every intent), 七天无理由, the stages of a stalled
parcel and a lost parcel's verification. Checks (app/core/checks.py) that read the order and the clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from app.core.content.policy import Policy
from app.core.order import BEFORE_SHIPPING, ON_THE_WAY
from app.core.situation import Deadline, Eligibility, Given, Situation
from app.core.terms import DeadlineKind
from app.core.workdays import PACKAGE_YEARS, add_workdays, known_years

FEN = Decimal("0.01")


def seven_day_window_end(signed_at: datetime | date, policy: Policy, tz: tzinfo | None) -> datetime:
    """Seed 000: 168 h after the sign-in time; with only a date, counted from 00:00 of the next day."""
    hours = timedelta(hours=policy.seven_day_return.window_hours)
    if isinstance(signed_at, datetime):
        return signed_at + hours
    return datetime.combine(signed_at + timedelta(days=1), time(0, 0), tzinfo=tz) + hours


def late_shipment(g: Given, s: Situation) -> None:
    order, rule = g.order, g.policy.late_shipment
    if order.status not in BEFORE_SHIPPING or order.paid_at is None:
        return
    ship_by = order.paid_at + timedelta(hours=rule.hours)
    s.deadlines.append(Deadline(DeadlineKind.SHIP_BY, ship_by, f"付款后 {rule.hours} 小时内发货(平台延迟发货规则)"))
    if g.now < ship_by:
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


def seven_day_window(g: Given, s: Situation) -> None:
    order, policy, now = g.order, g.policy, g.now
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
        s.deadlines.append(Deadline(DeadlineKind.SEVEN_DAY_RETURN_WINDOW, until, f"七天无理由截止({basis})"))
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
    s.notes.append(f"退货寄回:{policy.return_warehouses.for_product(order.product_names).name}")


def logistics_stages(g: Given, s: Situation) -> None:
    order, policy, now = g.order, g.policy, g.now
    lg = policy.logistics
    if order.status not in ON_THE_WAY:
        return
    s.deadlines.append(
        Deadline(
            DeadlineKind.COURIER_FEEDBACK,
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
                Deadline(
                    DeadlineKind.PICKUP_TIMEOUT,
                    pickup_due,
                    f"发货后 {lg.pickup_timeout_hours} 小时内无物流信息则补发或退款",
                )
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
            Deadline(DeadlineKind.COURIER_CLAIM, claim, f"快递 {lg.claim_after_days} 天内无有效回复或仍无更新,上报理赔")
        )
    else:
        s.deadlines.append(
            Deadline(DeadlineKind.ABNORMAL_LOGISTICS, abnormal, f"超过 {lg.abnormal_days} 天无物流更新即属非正常物流")
        )


def lost_verification(g: Given, s: Situation) -> None:
    days = g.policy.logistics.lost_verification_workdays
    holidays = g.policy.holidays
    result = add_workdays(g.since, days, holidays)
    why = f"{days} 个工作日内无核实结果即补发或退款"
    if result.skipped_holidays:
        why += f"(已跳过{'、'.join(result.skipped_holidays)}假期)"
    approximate = None
    if result.approximate:
        why += "(节假日未知,按周末计算)"
        years = "、".join(str(y) for y in result.unknown_years)
        approximate = (
            f"{years} 年的节假日安排未知(政策 holidays 未给出,日历包只到 {PACKAGE_YEARS[-1]} 年),仅按周末计算 "
            f"the holiday schedule of {years} is unknown: weekends alone were counted"
        )
    s.deadlines.append(
        Deadline(
            DeadlineKind.LOST_PARCEL_VERIFICATION,
            result.due,
            why,
            known_years=known_years(holidays),
            approximate=approximate,
        )
    )


def presumed_lost(g: Given, s: Situation) -> None:
    """Seed 001: a parcel with no tracking movement for 5 days (policy) counts as lost: the shop resends or
    refunds, and the courier bears the risk."""
    order, days = g.order, g.policy.logistics.presumed_lost_days
    if order.status not in ON_THE_WAY:
        return
    moved = order.last_tracking_at or order.shipped_at
    if moved is None:
        return
    due = moved + timedelta(days=days)
    if g.now >= due:
        if "no_result" not in s.facts:  # past the claim date, that stage's branch says the same and more
            s.facts.add("presumed_lost")
        s.notes.append(f"超过 {days} 天无走件,默认丢件:补发或退款,货物风险由物流承担(001)")
    else:
        s.deadlines.append(Deadline(DeadlineKind.PRESUMED_LOST, due, f"{days} 天无走件即默认丢件,补发或退款(001)"))


def quality_check(g: Given, s: Situation) -> None:
    """Seed 001: once the item is back, the internal quality check answers within 12 h, an external one
    within 48 h (both from the policy), counted from the report."""
    minutes = g.policy.response_minutes
    for kind, m, who in (
        (DeadlineKind.QUALITY_CHECK_INTERNAL, minutes.quality_check_internal, "内部质检"),
        (DeadlineKind.QUALITY_CHECK_EXTERNAL, minutes.quality_check_external, "外部质检"),
    ):
        s.deadlines.append(Deadline(kind, g.since + timedelta(minutes=m), f"{who}反馈不超过 {m // 60} 小时(001)"))


def refund_handling(g: Given, s: Situation) -> None:
    """Seed 000: the seller handles a refund request within 24 h (policy) of the request."""
    m = g.policy.response_minutes.refund_handling
    s.deadlines.append(
        Deadline(DeadlineKind.REFUND_HANDLING, g.since + timedelta(minutes=m), f"退款申请 {m // 60} 小时内处理(000)")
    )
