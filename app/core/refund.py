"""Maximum refundable amount for part of an order after a discount (seed 000 ⑤ and ⑥), in Decimal.

- shop coupon (店铺优惠券): item price − discount × item price / order price
- 满减 (满就减): item price − 满减 total / (order price − postage) × item price
The order price in seed ⑥ includes the postage and the formula takes it out again, so both reduce to
the items' own total. The seed says its formulas hold only for an order with that one discount; any
other combination is refused rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

FEN = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class QuoteItem:
    id: str
    price: Decimal  # unit price
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class Discount:
    type: str  # "coupon" | "full_reduction"
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Quote:
    max_refund: Decimal
    rule: str  # "no_discount" | "coupon" | "full_reduction"
    explanation: str


class NotCovered(ValueError):
    """The request is well-formed but the seed's formulas do not cover it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def quote(items: list[QuoteItem], postage: Decimal, discounts: list[Discount], refund_items: list[str]) -> Quote:
    by_id = {i.id: i for i in items}
    if len(by_id) != len(items):
        raise NotCovered("items", "商品 id 重复 item ids must be unique")
    unknown = [i for i, r in enumerate(refund_items) if r not in by_id]
    if unknown:  # named by position: an error never echoes what the client sent
        positions = ", ".join(map(str, unknown[:20]))
        raise NotCovered("refund_items", f"订单中没有这些商品 not items of the order: refund_items at {positions}")
    if len(set(refund_items)) != len(refund_items):
        raise NotCovered("refund_items", "退款商品重复 an item is listed twice")
    order_items = sum((i.price * i.quantity for i in items), Decimal(0))
    refunded = sum((by_id[r].price * by_id[r].quantity for r in refund_items), Decimal(0))
    if not discounts:
        return Quote(refunded.quantize(FEN), "no_discount", f"无优惠:按原价退 {refunded.quantize(FEN)} 元")
    if len(discounts) > 1:
        raise NotCovered(
            "discounts",
            "种子文档的公式只适用于订单仅有一种优惠(一张店铺优惠券或一个满减);"
            "多种优惠叠加无法计算 the seed's formulas cover one discount only",
        )
    discount = discounts[0]
    if order_items <= 0:
        raise NotCovered("items", "订单商品总价为 0,无法按比例分摊 the items total is zero")
    if discount.amount > order_items:
        raise NotCovered("discounts", "优惠金额大于商品总价 the discount exceeds the items total")
    share = discount.amount * refunded / order_items
    # A maximum must never be exceeded: the fen is rounded down.
    result = (refunded - share).quantize(FEN, ROUND_DOWN)
    if discount.type == "coupon":
        text = (
            f"店铺优惠券:{_m(refunded)} − {_m(discount.amount)} × {_m(refunded)} / {_m(order_items)}"
            f" = {_m(result)} 元(最大可退金额 = 退款商品原价 − 优惠金额 × 退款商品原价 / 订单原价)"
        )
    else:
        order_price = order_items + postage
        text = (
            f"满减:{_m(refunded)} − {_m(discount.amount)} / ({_m(order_price)} − {_m(postage)}) × {_m(refunded)}"
            f" = {_m(result)} 元(最大可退金额 = 退款商品原价 − 满减总额 / (订单原价 − 邮费) × 退款商品原价)"
        )
    return Quote(result, discount.type, text)


def _m(value: Decimal) -> str:
    return f"{value.quantize(FEN)}"
