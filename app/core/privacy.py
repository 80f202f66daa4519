"""Masking of personal data (个人信息保护法) for log lines, exports and keys without the right to see it.

Buyers type phone numbers with +86, spaces, dashes or full-width digits, ID-card numbers, and whole
delivery addresses. Order and tracking numbers are long digit runs too, and must survive intact: an
agent searching a log for an order needs it, so a phone is exactly 11 digits standing alone and an
ID number must carry a real birth date and a valid check digit.
"""

from __future__ import annotations

import re

_D = "[0-9０-９]"
_WS = "[ \t\u3000\u00a0]"  # \u3000: the space an IME types in full-width mode, with full-width digits
# What a separator looks like once something (repr, %r, json) has escaped it: "139\t1234" logged with %r
# reads 139\\t1234, and U+3000 reads \\u3000. Masking works on the text before it is formatted
# (app/logs.py); this is for what was escaped before it reached the logger (an exception's repr).
_ESCAPED = r"(?:\\[tnr]|\\u3000|\\xa0|\\u00a0)"
# Between any two digits of a number spelled out with spaces ("1 3 8 1 2 3 4 5 6 7 8"), line breaks too.
_GAP = rf"(?:{_WS}{{1,2}}|\r?\n|{_ESCAPED})"
# Between the 3-4-4 groups of a phone: the above, or a dash, dot or slash with spaces around it or not.
_SEP = rf"(?:{_WS}{{0,2}}[\-－.．/／·]{_WS}{{0,2}}|{_GAP})"
_PREFIX = rf"(?P<prefix>(?:[+＋]?[8８][6６]{_SEP}?)?)"
# Mobile: 1[3-9]x xxxx xxxx, optionally +86/86 in front; never part of a longer digit run. The grouped
# form allows punctuation between the groups (138-1234-5678, 138.1234.5678, 138/1234/5678); the spaced
# form allows spaces anywhere but no punctuation, so that amounts and dates are not read as phones.
_PHONE = re.compile(
    rf"(?<![0-9０-９]){_PREFIX}(?P<number>[1１][3-9３-９]{_D}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}})(?![0-9０-９])"
)
_PHONE_SPACED = re.compile(
    rf"(?<![0-9０-９]){_PREFIX}(?P<number>[1１]{_GAP}?[3-9３-９](?:{_GAP}?{_D}){{9}})(?![0-9０-９])"
)
# The same in Chinese numerals (一三八 一二三四 五六七八, 幺 for one, 两 for two, 〇/零 for nought).
_CN = "零〇○一幺二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_PHONE_CN = re.compile(
    rf"(?<![{_CN}])(?P<number>[一幺壹](?:{_GAP}|[\-－])?[三四五六七八九叁肆伍陆柒捌玖](?:(?:{_GAP}|[\-－])?[{_CN}]){{9}})(?![{_CN}])"
)
_DIGITS = re.compile(rf"[0-9０-９{_CN}]")
# Second-generation ID: 6-digit region, YYYYMMDD, 3-digit sequence, check digit (0-9 or X), written whole
# or with spaces or dashes between any digits (110105 19491231 002X).
_ID_GAP = rf"(?:{_GAP}|[\-－])"
_ID18 = re.compile(rf"(?<![0-9０-９])({_D}(?:{_ID_GAP}?{_D}){{16}}{_ID_GAP}?[0-9０-９XxＸｘ])(?![0-9０-９A-Za-z])")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸＸｘ", "0123456789XXx")
_ID_CHAR = re.compile("[0-9０-９XxＸｘ]")
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
# Spaces may stand between the parts and between the detail's segments ("浙江省 杭州市 西湖区 文三路 478号
# A座"); a segment after a space must hold a street-level marker itself, and not start like a label that
# follows an address ("订单号", "电话"), so that the words after an address stay.
_SEGMENT = rf"{_DETAIL}{{0,30}}?{_DETAIL_MARK}{_DETAIL}{{0,30}}"
_LABEL = r"(?:订单|快递|运单|单号|手机|电话|邮编|号码)"
_ADDRESS = re.compile(
    rf"((?>(?:(?:(?!{_DETAIL_MARK})[{_CJK}]){{1,8}}?{_ADMIN}{_WS}{{0,2}}){{1,4}}))"
    rf"((?!{_LABEL}){_SEGMENT}(?:{_WS}{{1,2}}(?!{_LABEL}){_SEGMENT}){{0,8}})"
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
    whole = "".join(_ID_CHAR.findall(m.group(1)))
    if not _id_number(whole):
        return m.group(1)  # an 18-digit order number, not an ID card
    return f"{whole[:4]}{'*' * 10}{whole[-4:]}"


def _mask_phone(m: re.Match[str]) -> str:
    digits = _DIGITS.findall(m["number"])  # the separators go: 138****5678 however it was written
    return f"{m.groupdict().get('prefix') or ''}{''.join(digits[:3])}****{''.join(digits[-4:])}"


def mask(text: str) -> str:
    """Phones → 138****1234, ID numbers → 1101**********123X, address details and labelled names → *.

    ID numbers go first: a phone-shaped run of digits inside a spaced-out ID number must not be
    masked as a phone and leave the rest of the ID in clear."""
    if not text:
        return text
    text = _ID18.sub(_mask_id, text)
    text = _PHONE.sub(_mask_phone, text)
    text = _PHONE_SPACED.sub(_mask_phone, text)
    text = _PHONE_CN.sub(_mask_phone, text)
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
