"""Does a buyer's new delivery information have the format the seed asks for (名字+电话+完整地址+邮编)?

A reminder for the agent, not a validator of real addresses: it says which parts it can see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.entities import Entities

_POSTCODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_ADMIN = re.compile(r"省|自治区|市|区|县|旗")
_STREET = re.compile(r"路|街|道|巷|弄|号|村|镇|乡|小区|栋|幢|单元|室|楼|大厦|公寓")
_NAMED = re.compile(r"(收货人|收件人|姓名|名字|联系人)[::\s]*[\u4e00-\u9fa5]{2,4}")
_NAME_BEFORE_PHONE = re.compile(r"(?:^|[\s,,;;])([\u4e00-\u9fa5]{2,4})[\s,,::]*(?:\+?86)?1[3-9]\d")
_NOT_NAMES = ("电话", "手机", "号码", "联系", "地址", "改到", "改成", "收货", "信息", "方式")


@dataclass(frozen=True, slots=True)
class AddressCheck:
    present: tuple[str, ...]
    missing: tuple[str, ...]


def check(normalized: str, entities: Entities) -> AddressCheck | None:
    """None when the message does not look like new delivery information at all."""
    parts = {
        "电话": bool(entities.phones),
        "完整地址": bool(_ADMIN.search(normalized)) and bool(_STREET.search(normalized)),
        "邮编": bool(_POSTCODE.search(normalized)),
        "名字": bool(_NAMED.search(normalized))
        or any(not m.group(1).endswith(_NOT_NAMES) for m in _NAME_BEFORE_PHONE.finditer(normalized)),
    }
    if not (parts["电话"] or parts["完整地址"] or parts["邮编"]):
        return None
    order = ("名字", "电话", "完整地址", "邮编")
    return AddressCheck(tuple(p for p in order if parts[p]), tuple(p for p in order if not parts[p]))
