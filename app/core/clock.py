"""The shops' clock: the one time zone dates, working days and deadlines are counted in, and the time now.

Stored times are UTC (the database); everything a buyer or an agent reads ("昨天", 11月25日 23:59) is in
this zone, so it lives here rather than in any module that happens to need it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SHOP_TZ = ZoneInfo("Asia/Shanghai")  # the shops' calendar: "昨天" and working days are China's


def now() -> datetime:
    """The current time in the shops' zone."""
    return datetime.now(SHOP_TZ)
