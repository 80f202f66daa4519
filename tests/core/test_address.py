from datetime import date

import pytest

from app.core.address import check
from app.core.entities import extract


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("改地址 张三 13812345678 浙江省杭州市西湖区文三路100号 310000", ()),
        ("王小明,13812345678,广东省深圳市南山区科技园路1号,518000", ()),
        ("改到上海市浦东新区张杨路500号 电话13912345678", ("名字", "邮编")),  # "电话" is not a name
        ("收件人:李四 电话13812345678", ("完整地址", "邮编")),
        ("地址改成北京市朝阳区建国路88号", ("名字", "电话", "邮编")),
    ],
)
def test_reports_what_is_missing(normalizer, text, missing):
    norm = normalizer(text)
    assert check(norm, extract(norm, date(2026, 11, 22))).missing == missing


def test_a_plain_request_is_not_checked(normalizer):
    norm = normalizer("地址写错了 帮我改一下")
    assert check(norm, extract(norm, date(2026, 11, 22))) is None


def test_suggestion_asks_for_the_missing_parts(engine):
    from app.core.order import Order

    result = engine.suggest(
        "地址填错了 改到上海市浦东新区张杨路500号 电话13912345678", order=Order(status="awaiting_shipment")
    )
    s = result.scripts[0]
    assert s.script_id == "address_change.not_shipped"
    assert any("名字、邮编" in a for a in s.asks)
