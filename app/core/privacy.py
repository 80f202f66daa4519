"""Masking of personal data (个人信息保护法) for log lines, exports and keys without the right to see it.

Buyers type phone numbers with +86, spaces, dashes or full-width digits, ID-card numbers, and whole
delivery addresses. Order and tracking numbers are long digit runs too, and must survive intact: an
agent searching a log for an order needs it, so a phone is exactly 11 digits standing alone and an
ID number must carry a real birth date and a valid check digit.
"""

from __future__ import annotations

import re

_D = "[0-9０-９]"
_SEP = r"[ \t\u3000\-－]"  # \u3000: the space an IME types in full-width mode, with full-width digits
# Mobile: 1[3-9]x xxxx xxxx, optionally +86/86 in front; never part of a longer digit run.
_PHONE = re.compile(
    rf"(?<![0-9０-９])((?:[+＋]?[8８][6６]{_SEP}?)?)([1１][3-9３-９]{_D}){_SEP}?{_D}{{4}}{_SEP}?({_D}{{4}})(?![0-9０-９])"
)
# Second-generation ID: 6-digit region, YYYYMMDD, 3-digit sequence, check digit (0-9 or X).
_ID18 = re.compile(rf"(?<![0-9０-９])({_D}{{4}})({_D}{{13}}[0-9０-９XxＸｘ])(?![0-9０-９A-Za-z])")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸＸｘ", "0123456789XXx")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ADMIN = r"(?:省|自治区|特别行政区|市|自治州|地区|盟|区|县|旗)"
_DETAIL_MARK = r"(?:路|街|道|巷|弄|胡同|号|栋|幢|楼|单元|室|村|组|小区|花园|公寓|大厦|苑|广场|座)"
_CJK = "\u4e00-\u9fff"
# One unit of an address detail: a Chinese character, or a whole run of letters, digits, dashes and "#"
# ("A座", "1201", "3-402"). A run is never cut, and a run holding nine or more digits in a row is not
# part of an address: it is an order or tracking number ("231122-123456789012345", "SF1234567890123"),
# which must stay intact, and cutting a run could leave a phone or ID number a second pass would mask.
_RUN = r"[A-Za-z0-9０-９\-－#＃]"
_DETAIL = rf"(?:[{_CJK}]|(?!{_RUN}*?[0-9０-９]{{9}}){_RUN}{{1,30}}(?!{_RUN}))"
# An address: one to four administrative parts, then a detail with a street-level marker. The
# administrative parts stay (they say where a parcel goes, not to whom); the detail is masked. An
# administrative part holds no street-level marker: "道里区" or "翠苑小区" followed by a detail would
# otherwise stay visible, to be masked by a second pass. The parts are taken atomically (as many as
# there are, each as short as it can be) and never re-split when no detail follows: re-splitting a run
# like "市市市…" took seconds per few hundred characters, and as the parts hold no marker, a detail not
# found after them is not found after fewer or shorter parts either.
_ADDRESS = re.compile(
    rf"((?>(?:(?:(?!{_DETAIL_MARK})[{_CJK}]){{1,8}}?{_ADMIN}){{1,4}}))"
    rf"({_DETAIL}{{0,30}}?{_DETAIL_MARK}{_DETAIL}{{0,30}})"
)
_NAME = re.compile(rf"((?:收货人|收件人|姓名|联系人|寄件人)\s*[:：]?\s*)([{_CJK}]{{2,4}})")


def _id_number(raw: str) -> bool:
    digits = raw.translate(_FULLWIDTH).upper()
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    year, month, day = int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
    if not (1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == digits[17]


def _mask_id(m: re.Match[str]) -> str:
    whole = m.group(1) + m.group(2)
    if not _id_number(whole):
        return whole  # an 18-digit order number, not an ID card
    return f"{m.group(1)}{'*' * 10}{whole[-4:]}"


def mask(text: str) -> str:
    """Phones → 138****1234, ID numbers → 1101**********123X, address details and labelled names → *."""
    if not text:
        return text
    text = _PHONE.sub(lambda m: f"{m[1]}{m[2]}****{m[3]}", text)
    text = _ID18.sub(_mask_id, text)
    text = _ADDRESS.sub(lambda m: f"{m[1]}****", text)
    return _NAME.sub(lambda m: f"{m[1]}{m[2][0]}*{'*' * (len(m[2]) - 2)}", text)


def mask_value(value: object) -> object:
    """Mask every string inside a JSON-like value (dicts, lists), leaving its shape and keys alone."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    return value
