"""Working days as China counts them: public holidays off, make-up working days (调休) on.

chinese-calendar carries the State Council's schedule; for a year it does not know yet, weekends alone
are counted and the result says it is approximate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True, slots=True)
class WorkdayResult:
    due: datetime
    approximate: bool  # True when the holiday schedule for a year in the span was unknown
    skipped_holidays: tuple[str, ...]  # names of the holidays passed over, for the explanation


def is_workday(day: date) -> tuple[bool, bool]:
    """(is a working day, schedule known)."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_workdays(start: datetime, days: int) -> WorkdayResult:
    """The end (23:59:59, start's zone) of the ``days``-th working day after ``start``'s day."""
    day = start.date()
    counted = 0
    approximate = False
    holidays: list[str] = []
    while counted < days:
        day += timedelta(days=1)
        working, known = is_workday(day)
        approximate |= not known
        if working:
            counted += 1
        elif known:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            name = HOLIDAY_NAMES.get(name or "", name)
            if on_holiday and name and name not in holidays:
                holidays.append(name)
    due = datetime.combine(day, time(23, 59, 59), tzinfo=start.tzinfo)
    return WorkdayResult(due, approximate, tuple(holidays))
