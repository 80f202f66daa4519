"""What is known about the order. All times are aware datetimes; a sign-in known only by its date is
kept as the date (seed 000 counts the 七天无理由 window differently for it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from app.core.terms import OrderStatus, Signer

BEFORE_SHIPPING = frozenset({OrderStatus.UNPAID, OrderStatus.AWAITING_SHIPMENT})
ON_THE_WAY = frozenset({OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.OUT_FOR_DELIVERY})
BEFORE_SIGNING = BEFORE_SHIPPING | ON_THE_WAY
CLOCK_SKEW = timedelta(minutes=5)  # a timestamp this far ahead of "now" is still believable


@dataclass(frozen=True, slots=True)
class Item:
    price: Decimal
    quantity: int = 1
    id: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    status: OrderStatus | None = None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    last_tracking_at: datetime | None = None
    signed_at: datetime | date | None = None  # a date alone when only the day is known
    signed_by: Signer | None = None
    shipping_insurance: bool | None = None
    amount: Decimal | None = None
    items: tuple[Item, ...] = ()
    coupons: tuple[Decimal, ...] = ()

    @property
    def shipped(self) -> bool | None:
        if self.status is None:
            return None
        return self.status not in BEFORE_SHIPPING

    @property
    def product_names(self) -> str:
        return " ".join(i.name for i in self.items if i.name)


def with_tracking(
    status: OrderStatus | None,
    signed_by: Signer | None,
    tracked_status: OrderStatus | None,
    tracked_signer: Signer | None,
) -> tuple[OrderStatus | None, Signer | None]:
    """The order's status and signer once a courier platform's state is known (policy/tracking_states.yaml): a
    status the caller gave wins, as the more specific word; the state's signer counts only when its status is the
    order's, so a parcel the caller calls in transit never gains a signer."""
    final = status or tracked_status
    if signed_by is None and tracked_signer is not None and final == tracked_status:
        signed_by = tracked_signer
    return final, signed_by


@dataclass(frozen=True, slots=True)
class Inconsistency:
    field: str  # e.g. "order.signed_at"
    message: str


def _day(value: datetime | date, tz: tzinfo | None) -> date:
    return value.astimezone(tz).date() if isinstance(value, datetime) else value


def inconsistencies(order: Order, now: datetime) -> list[Inconsistency]:
    """Contexts that cannot happen; the API answers them with a 422 naming the field."""
    tz = now.tzinfo
    found: list[Inconsistency] = []

    def before(
        later_field: str, later: datetime | date | None, earlier_field: str, earlier: datetime | date | None
    ) -> None:
        if later is None or earlier is None:
            return
        if isinstance(later, datetime) and isinstance(earlier, datetime):
            wrong = later < earlier
        else:
            wrong = _day(later, tz) < _day(earlier, tz)
        if wrong:
            found.append(
                Inconsistency(
                    f"order.{later_field}",
                    f"{later_field} 早于 {earlier_field} ({later_field} is before {earlier_field})",
                )
            )

    before("shipped_at", order.shipped_at, "paid_at", order.paid_at)
    before("last_tracking_at", order.last_tracking_at, "shipped_at", order.shipped_at)
    before("signed_at", order.signed_at, "shipped_at", order.shipped_at)
    before("signed_at", order.signed_at, "paid_at", order.paid_at)
    for name in ("paid_at", "shipped_at", "last_tracking_at", "signed_at"):
        value = getattr(order, name)
        if (
            isinstance(value, datetime)
            and value > now + CLOCK_SKEW
            or isinstance(value, date)
            and not isinstance(value, datetime)
            and value > now.date()
        ):
            found.append(Inconsistency(f"order.{name}", f"{name} 在将来 ({name} is in the future)"))
    status = order.status
    if status == OrderStatus.UNPAID and order.paid_at is not None:
        found.append(Inconsistency("order.paid_at", "未付款订单不应有付款时间 (an unpaid order has no payment time)"))
    if status in BEFORE_SHIPPING and order.shipped_at is not None:
        found.append(
            Inconsistency("order.shipped_at", f"订单状态 {status} 不应有发货时间 (a {status} order has not shipped)")
        )
    if status in BEFORE_SIGNING and order.signed_at is not None:
        found.append(
            Inconsistency("order.signed_at", f"订单状态 {status} 不应有签收时间 (a {status} order is not signed)")
        )
    if status in BEFORE_SIGNING and order.signed_by is not None:
        found.append(
            Inconsistency("order.signed_by", f"订单状态 {status} 不应有签收人 (a {status} order is not signed)")
        )
    return found
