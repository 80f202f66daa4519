"""Seed 000 ⑤ and ⑥: the maximum refund for part of an order after a coupon or a 满减."""

from decimal import Decimal as D

import pytest

from app.core.refund import Discount, NotCovered, QuoteItem, quote


def test_seed_coupon_example_24():
    # 订单总价100元,使用20元店铺优惠券,退原价30元的商品: 30 − 20 × 30 / 100 = 24
    q = quote([QuoteItem("A", D("30")), QuoteItem("B", D("70"))], D("0"), [Discount("coupon", D("20"))], ["A"])
    assert (q.max_refund, q.rule) == (D("24.00"), "coupon")


def test_seed_full_reduction_example_160():
    # 满300减100, A 200 + B 300, 邮费10, 订单原价510: 200 − 100 / (510 − 10) × 200 = 160
    q = quote(
        [QuoteItem("A", D("200")), QuoteItem("B", D("300"))], D("10"), [Discount("full_reduction", D("100"))], ["A"]
    )
    assert (q.max_refund, q.rule) == (D("160.00"), "full_reduction")
    assert "510.00 − 10.00" in q.explanation


def test_quantities_and_several_refunded_items():
    items = [QuoteItem("A", D("10"), 3), QuoteItem("B", D("20")), QuoteItem("C", D("50"))]
    q = quote(items, D("0"), [Discount("coupon", D("10"))], ["A", "B"])
    assert q.max_refund == D("45.00")  # 50 − 10 × 50 / 100


def test_rounds_down_to_the_fen_because_it_is_a_maximum():
    q = quote([QuoteItem("A", D("33.33")), QuoteItem("B", D("66.67"))], D("0"), [Discount("coupon", D("10"))], ["A"])
    assert q.max_refund == D("29.99")  # 33.33 − 3.333 = 29.997


def test_no_discount_refunds_the_price():
    q = quote([QuoteItem("A", D("19.9"), 2)], D("8"), [], ["A"])
    assert (q.max_refund, q.rule) == (D("39.80"), "no_discount")


@pytest.mark.parametrize(
    ("discounts", "refund", "field"),
    [
        ([Discount("coupon", D("10")), Discount("full_reduction", D("20"))], ["A"], "discounts"),  # combination
        ([Discount("coupon", D("10")), Discount("coupon", D("5"))], ["A"], "discounts"),
        ([Discount("coupon", D("500"))], ["A"], "discounts"),  # more than the goods
        ([], ["Z"], "refund_items"),
        ([], ["A", "A"], "refund_items"),
    ],
)
def test_cases_the_seed_does_not_cover_are_refused(discounts, refund, field):
    with pytest.raises(NotCovered) as caught:
        quote([QuoteItem("A", D("30")), QuoteItem("B", D("70"))], D("0"), discounts, refund)
    assert caught.value.field == field
