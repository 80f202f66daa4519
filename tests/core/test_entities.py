import json
from datetime import date, datetime

import pytest

from app.core.clock import SHOP_TZ
from app.core.entities import extract, mask_phone

TODAY = date(2026, 11, 22)  # a Sunday


def ents(normalizer, text):
    return extract(normalizer(text), TODAY)


@pytest.mark.parametrize(
    ("text", "value", "courier", "confidence"),
    [
        ("单号SF1234567890123", "SF1234567890123", "SF", "high"),
        ("圆通 YT7512345678901 怎么不动", "YT7512345678901", "YTO", "high"),
        ("京东的JDVA12345678901到哪了", "JDVA12345678901", "JD", "high"),
        ("极兔JT1234567890123", "JT1234567890123", "JT", "high"),
        ("国际件 EA123456789CN", "EA123456789CN", "EMS", "high"),
        ("快递单号:75123456789012", "75123456789012", "ZTO", "low"),
        ("运单号 4312345678901", "4312345678901", "YD", "low"),
        ("ｓｆ１２３４５６７８９０１２３ 全角的", "SF1234567890123", "SF", "high"),
    ],
)
def test_tracking_numbers_with_courier_guess(normalizer, text, value, courier, confidence):
    found = ents(normalizer, text).tracking_numbers
    assert [(t.value, t.courier, t.confidence) for t in found] == [(value, courier, confidence)]


@pytest.mark.parametrize(
    ("text", "value", "platform"),
    [
        ("订单号:123456789012345678", "123456789012345678", "taobao"),
        ("訂單號 2345678901234567890", "2345678901234567890", "taobao"),
        ("拼多多订单 231122-123456789012345", "231122-123456789012345", "pdd"),
        ("订单号 250123456789", "250123456789", "jd"),
    ],
)
def test_order_numbers(normalizer, text, value, platform):
    found = ents(normalizer, text)
    assert [(o.value, o.platform_guess) for o in found.order_numbers] == [(value, platform)]
    assert found.tracking_numbers == ()


@pytest.mark.parametrize(
    "text",
    ["电话13812345678", "电话 138 1234 5678", "+86 138-1234-5678", "+8613812345678", "手机１３８１２３４５６７８"],
)
def test_mobile_phones_in_every_spelling(normalizer, text):
    phones = ents(normalizer, text).phones
    assert [(p.value, p.masked) for p in phones] == [("13812345678", "138****5678")]


def test_landline_and_phone_not_taken_for_order_number(normalizer):
    found = ents(normalizer, "座机021-12345678 手机13912345678")
    assert [p.kind for p in found.phones] == ["landline", "mobile"]
    assert found.order_numbers == () and found.tracking_numbers == ()


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("补偿30元可以吗", ["30.00"]),
        ("¥19.9买的", ["19.90"]),
        ("给我赔三十块", ["30.00"]),
        ("两百五十元的东西", ["250.00"]),
        ("三十块五", ["30.50"]),
        ("12块5", ["12.50"]),
        ("退我20吧", ["20.00"]),
        ("少了2件 等了3天", []),  # quantities and durations are not amounts
    ],
)
def test_amounts(normalizer, text, values):
    assert [a.value for a in ents(normalizer, text).amounts] == values


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("2026-11-20签收的", ["2026-11-20"]),
        ("11月20号到的", ["2026-11-20"]),
        ("12月30日发货吗", ["2026-12-30"]),  # next month is still this year (presale dates)
        ("昨天签收", ["2026-11-21"]),
        ("前天发的货", ["2026-11-20"]),
        ("上周五签收的", ["2026-11-13"]),
        ("周三到的", ["2026-11-18"]),
        ("18号买的", ["2026-11-18"]),
        ("2月30日", []),  # impossible dates are not dates
    ],
)
def test_dates(normalizer, text, values):
    assert [d.value for d in ents(normalizer, text).dates] == values


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"


def test_nothing_in_plain_text(normalizer):
    assert ents(normalizer, "亲 在吗 杯子碎了") == extract("", TODAY)


def test_month_far_ahead_means_last_year(normalizer):
    # In early January, "12月28号" is last December: buyers speak of the past.
    assert [d.value for d in extract(normalizer("12月28号签收的"), date(2026, 1, 5)).dates] == ["2025-12-28"]


def test_the_api_shows_every_kind_with_the_fields_it_always_had(engine):
    from app.suggest.serialize import suggestion_out

    message = "单号SF1234567890123 订单号123456789012345678 电话13812345678 座机021-12345678 赔我三十块五 昨天"
    out = suggestion_out(engine.suggest(message, now=datetime(2026, 11, 22, 12, tzinfo=SHOP_TZ)))
    expected = {
        "order_numbers": [{"value": "123456789012345678", "platform_guess": "taobao"}],
        "tracking_numbers": [
            {
                "value": "SF1234567890123",
                "courier": "SF",
                "courier_name": "顺丰速运",
                "confidence": "high",
                "candidates": ["SF"],
            }
        ],
        "phones": [
            {"value": "13812345678", "masked": "138****5678", "kind": "mobile"},
            {"value": "021-12345678", "masked": "021****5678", "kind": "landline"},
        ],
        "amounts": [{"value": "30.50", "text": "三十块五"}],
        "dates": [{"value": "2026-11-21", "text": "昨天"}],
    }
    assert json.dumps(out["entities"], ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)  # key order too
