"""Entities in a buyer message: order and tracking numbers, phones, amounts (also in Chinese numerals), dates.

Runs on normalised text (half-width digits, simplified characters, lower case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal, TypeVar

from app.core import couriers

_PHONE = re.compile(r"(?<![\d.])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?![\d.])")
_LANDLINE = re.compile(r"(?<![\d-])(0\d{2,3})-(\d{7,8})(?![\d-])")
_DIGITS = re.compile(r"(?<![\d.])(\d{6}-\d{15}|\d{10,20})(?![\d.])")
_ORDER_CTX = re.compile(r"(订单号?|订单编号|order)[\s::]*$")
_TRACKING_CTX = re.compile(r"(快递单号?|运单号?|物流单号?|单号|快递号)[\s::]*$")
_CN_NUM = "零〇一二两三四五六七八九十百千万"
_AMOUNT = re.compile(
    rf"(?:[¥￥]\s*(\d+(?:\.\d{{1,2}})?))|(\d+(?:\.\d{{1,2}})?)\s*(?:元|块钱?|rmb)(?:\s*([1-9])\s*毛?)?"
    rf"|([{_CN_NUM}]+)\s*(?:元|块钱?)(?:([一二三四五六七八九])毛?)?"
    rf"|(?:补偿|赔偿?|退|返|补)(?:我|给我|个)?\s*(\d+(?:\.\d{{1,2}})?)(?![\d.]|\s*[件个天号斤瓶盒次小分点月年日周台套箱包份单kgcm])"
)
_DATE_YMD = re.compile(r"(20\d\d)[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_DATE_MD = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})[日号]")
_DATE_D = re.compile(r"(?<![\d月])(\d{1,2})号")
_RELATIVE = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1, "后天": 2}
_RELATIVE_WORDS = re.compile("|".join(sorted(_RELATIVE, key=len, reverse=True)))  # 大前天 before 前天
_WEEKDAY = re.compile(r"(上上|上|这|本|下)?(?:周|星期|礼拜)([一二三四五六日天])")
_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
T = TypeVar("T")
_WEEK_SHIFT = {"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1, None: 0}


@dataclass(frozen=True, slots=True)
class OrderNumber:
    value: str
    platform_guess: Literal["taobao", "jd", "pdd"] | None


@dataclass(frozen=True, slots=True)
class TrackingNumber:
    value: str  # upper case
    courier: str | None  # the courier's code, e.g. "SF"
    courier_name: str | None
    confidence: Literal["high", "low", "none"]  # see couriers.CourierGuess
    candidates: tuple[str, ...]  # codes of every courier whose numbers look like this one


@dataclass(frozen=True, slots=True)
class Phone:
    value: str
    masked: str  # 138****5678
    kind: Literal["mobile", "landline"]


@dataclass(frozen=True, slots=True)
class Amount:
    value: str  # yuan with two decimals, "30.50"
    text: str  # as written, "三十块五"


@dataclass(frozen=True, slots=True)
class DateMention:
    value: str  # ISO date
    text: str  # as written, "上周五"


@dataclass(frozen=True, slots=True)
class Entities:
    """Each kind in the order the buyer wrote them."""

    order_numbers: tuple[OrderNumber, ...] = ()
    tracking_numbers: tuple[TrackingNumber, ...] = ()
    phones: tuple[Phone, ...] = ()
    amounts: tuple[Amount, ...] = ()
    dates: tuple[DateMention, ...] = ()


def mask_phone(digits: str) -> str:
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) == 11 else digits[:-4] + "****"


def extract(norm: str, today: date) -> Entities:
    # Each kind collected with where it starts, then put in the order the buyer wrote them.
    orders: list[tuple[int, OrderNumber]] = []
    tracking: list[tuple[int, TrackingNumber]] = []
    phones: list[tuple[int, Phone]] = []
    amounts: list[tuple[int, Amount]] = []
    dates: list[tuple[int, DateMention]] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return all(m.end() <= s or m.start() >= e for s, e in taken)

    for m in couriers.LETTERED.finditer(norm):
        tracking.append((m.start(), _tracking(m.group().upper(), couriers.guess(m.group()))))
        taken.append(m.span())
    for m in _PHONE.finditer(norm):
        if free(m):
            digits = "".join(m.groups())
            phones.append((m.start(), Phone(digits, mask_phone(digits), "mobile")))
            taken.append(m.span())
    for m in _LANDLINE.finditer(norm):
        if free(m):
            digits = m.group(1) + m.group(2)
            phones.append((m.start(), Phone(f"{m.group(1)}-{m.group(2)}", mask_phone(digits), "landline")))
            taken.append(m.span())
    for m in _DIGITS.finditer(norm):
        if not free(m):
            continue
        taken.append(m.span())
        number, before = m.group(), norm[max(0, m.start() - 8) : m.start()]
        if _TRACKING_CTX.search(before) and not _ORDER_CTX.search(before):
            tracking.append((m.start(), _tracking(number, couriers.guess(number))))
        elif _ORDER_CTX.search(before) or "-" in number or len(number) >= 16:
            orders.append((m.start(), OrderNumber(number, _platform(number))))
        else:
            g = couriers.guess(number)
            if g.courier is not None:
                tracking.append((m.start(), _tracking(number, g)))
            else:
                orders.append((m.start(), OrderNumber(number, _platform(number))))
    for m in _DATE_YMD.finditer(norm):
        if free(m) and (d := _safe_date(int(m[1]), int(m[2]), int(m[3]))):
            dates.append((m.start(), DateMention(d.isoformat(), m.group())))
            taken.append(m.span())
    for m in _DATE_MD.finditer(norm):
        if free(m) and (d := _safe_date(_year_for(today, int(m[1])), int(m[1]), int(m[2]))):
            dates.append((m.start(), DateMention(d.isoformat(), m.group())))
            taken.append(m.span())
    for m in _DATE_D.finditer(norm):
        if free(m) and (d := _safe_date(today.year, today.month, int(m[1]))):
            dates.append((m.start(), DateMention(d.isoformat(), m.group())))
            taken.append(m.span())
    for m in _RELATIVE_WORDS.finditer(norm):
        if free(m):
            day = today + timedelta(days=_RELATIVE[m.group()])
            dates.append((m.start(), DateMention(day.isoformat(), m.group())))
            taken.append(m.span())
    for m in _WEEKDAY.finditer(norm):
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=_WEEK_SHIFT[m[1]])
        day = monday + timedelta(days=_WEEKDAY_INDEX[m[2]])
        dates.append((m.start(), DateMention(day.isoformat(), m.group())))
    for m in _AMOUNT.finditer(norm):
        if free(m) and (value := _amount(m)) is not None:
            amounts.append((m.start(), Amount(f"{value:.2f}", m.group().strip())))
    return Entities(_ordered(orders), _ordered(tracking), _ordered(phones), _ordered(amounts), _ordered(dates))


def _ordered(found: list[tuple[int, T]]) -> tuple[T, ...]:
    return tuple(item for _, item in sorted(found, key=lambda pair: pair[0]))  # stable: ties keep their order


def _tracking(number: str, g: couriers.CourierGuess) -> TrackingNumber:
    return TrackingNumber(
        number,
        g.courier.code if g.courier else None,
        g.courier.name if g.courier else None,
        g.confidence,
        tuple(c.code for c in g.candidates),
    )


def _platform(number: str) -> Literal["taobao", "jd", "pdd"] | None:
    if re.fullmatch(r"\d{6}-\d{15}", number):
        return "pdd"
    if len(number) in (18, 19):
        return "taobao"
    if len(number) in (11, 12):
        return "jd"
    return None


def _amount(m: re.Match[str]) -> Decimal | None:
    yuan_digits, yuan_unit, jiao, yuan_cn, jiao_cn, verb_digits = m[1], m[2], m[3], m[4], m[5], m[6]
    try:
        if yuan_digits or verb_digits:
            return Decimal(yuan_digits or verb_digits)
        if yuan_unit:
            return Decimal(yuan_unit) + (Decimal(jiao) / 10 if jiao else 0)
        if yuan_cn:
            import cn2an

            value = Decimal(str(cn2an.cn2an(yuan_cn, "smart")))
            if jiao_cn:
                value += Decimal(str(cn2an.cn2an(jiao_cn, "smart"))) / 10
            return value
    except (InvalidOperation, ValueError):
        return None
    return None


def _year_for(today: date, month: int) -> int:
    # "12月30号" written in January means last December: buyers talk about the past.
    return today.year - 1 if month > today.month + 1 else today.year


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None
