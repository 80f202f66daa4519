"""Tracking-number shapes of the main Chinese couriers. A guess, so every result says how sure it is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Courier:
    code: str
    name: str


SF = Courier("SF", "顺丰速运")
YT = Courier("YTO", "圆通速递")
ZTO = Courier("ZTO", "中通快递")
STO = Courier("STO", "申通快递")
YD = Courier("YD", "韵达快递")
JD = Courier("JD", "京东物流")
EMS = Courier("EMS", "中国邮政EMS")
JT = Courier("JT", "极兔速递")
DB = Courier("DBL", "德邦快递")

# Prefixed numbers identify the courier outright.
LETTERED = re.compile(
    r"(?<![a-z0-9])(sf\d{12,13}|yt\d{13,16}|jt\d{13}|jd[a-z0-9]{11,15}|dpk\d{12}|"
    r"[a-z]{2}\d{9}cn)(?![a-z0-9])"
)
_LETTER_PREFIX = {"sf": SF, "yt": YT, "jt": JT, "jd": JD, "dp": DB}

# All-digit numbers: prefix and length rules as published by the couriers; several may fit one number.
_DIGIT_RULES: tuple[tuple[re.Pattern[str], Courier], ...] = (
    (re.compile(r"^(7[0-9])\d{10,13}$"), ZTO),
    (re.compile(r"^(77|88|66|55|33|268|368|468|568|668|868|888|900)\d{10,13}$"), STO),
    (re.compile(r"^(43|46|31|39|1[0-9])\d{11}$|^(43|46|31)\d{13}$"), YD),
    (re.compile(r"^(10|11|50|51|95|97|98|99)\d{11}$"), EMS),
)


@dataclass(frozen=True, slots=True)
class CourierGuess:
    courier: Courier | None
    confidence: Literal["high", "low", "none"]  # high: prefix names the courier; low: shape fits; none: no rule
    candidates: tuple[Courier, ...]


def guess(number: str) -> CourierGuess:
    number = number.lower()
    if not number.isdigit():
        if number.endswith("cn"):
            return CourierGuess(EMS, "high", (EMS,))
        found = _LETTER_PREFIX.get(number[:2])
        return CourierGuess(found, "high" if found else "none", (found,) if found else ())
    fits = tuple(c for pattern, c in _DIGIT_RULES if pattern.match(number))
    if not fits:
        return CourierGuess(None, "none", ())
    return CourierGuess(fits[0], "low", fits)
