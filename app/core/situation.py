"""What the order's state and the shop's policy mean for one intent, at one moment: facts that pick
branches, deadlines, eligibility, the platform notes an agent must not miss, and what to verify first.

Facts use the phrasebook's assessment words (over_7_days, stalled, no_tracking_48h, over_72h …), so a
branch an agent could pick by hand is picked for them when the order data already proves it. Which checks
run for an intent is content (``checks:`` in its flow); the checks themselves are in app/core/checks.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from app.core.content.policy import Policy, compensation_range
from app.core.entities import Entities
from app.core.order import Order
from app.core.terms import DeadlineKind, OrderStatus


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    due_at: datetime
    why: str
    intent: str | None = None
    # Counted in working days: the years whose holidays are known, and why the date is only approximate when
    # the count crossed a year that is not (weekends alone were counted there).
    known_years: tuple[int, ...] | None = None
    approximate: str | None = None


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


@dataclass(frozen=True, slots=True)
class Given:
    """What a check may look at."""

    order: Order
    now: datetime
    policy: Policy
    since: datetime  # when the problem was first reported (the case opened): deadlines that run from it
    message: str  # normalised
    entities: Entities
    intent: str | None = None  # whose flow runs the check: ranges differ per intent (compensation.by_intent)


CheckFn = Callable[[Given, Situation], None]


def assess(
    intent: str, given: Given, checks: Sequence[CheckFn], *, needs_status: bool, needs_signer: bool
) -> Situation:
    """Run ``checks`` in order, after asking for the order state the intent's flow needs and does not have."""
    s = Situation()
    order = given.order
    if order.status is None and needs_status:
        s.asks.append("先核实订单物流状态(未发货 / 在途 / 已签收)")
    if order.status == OrderStatus.SIGNED and order.signed_by is None and needs_signer:
        s.asks.append("核实签收人:本人、代签(门卫/家人/驿站)还是快递柜")
    for check in checks:
        check(given, s)
    s.deadlines = [replace(d, intent=d.intent or intent) for d in s.deadlines]
    return s


@dataclass(frozen=True, slots=True)
class Approval:
    needed: bool
    amount: Decimal
    agent_limit: Decimal
    approver: str
    why: str
    answer_by: datetime | None  # when the approver should have answered (response standard)


def approval(amount: Decimal | None, policy: Policy, now: datetime, intent: str | None = None) -> Approval | None:
    """Seed 000: agents may compensate within 5–30 元 themselves (质量问题 5–8 元: the intent's range in the
    shop's policy); above that the 店长 decides."""
    if amount is None:
        return None
    c = policy.compensation
    low, high = compensation_range(policy, intent)
    if amount > high:
        minutes = policy.response_minutes.supervisor_approval
        return Approval(
            True,
            amount,
            high,
            c.approver,
            f"{amount} 元超过客服可自行补偿的 {low}-{high} 元,须请示{c.approver}",
            now + timedelta(minutes=minutes),
        )
    return Approval(
        False,
        amount,
        high,
        c.approver,
        f"{amount} 元在客服可自行补偿的 {low}-{high} 元以内",
        None,
    )
