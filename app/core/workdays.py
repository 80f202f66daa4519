"""Working days as China counts them: public holidays off, make-up working days (调休) on.

chinese-calendar carries the State Council's schedule up to the year it was released for; the shop's policy
(``holidays:``, content/holidays.py) adds the years published since and corrects single days. For a year neither
knows, weekends alone are counted and the result says it is approximate, naming the years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar

from app.core.content.holidays import Holidays

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
# The years the installed package has a schedule for (2004 up to its release's year).
PACKAGE_YEARS = range(
    min(d.year for d in chinese_calendar.holidays), max(d.year for d in chinese_calendar.holidays) + 1
)
NO_HOLIDAYS = Holidays()


@dataclass(frozen=True, slots=True)
class WorkdayResult:
    due: datetime
    skipped_holidays: tuple[str, ...]  # names of the holidays passed over, for the explanation
    unknown_years: tuple[int, ...] = ()  # years crossed whose holiday schedule nobody gave: counted by weekends

    @property
    def approximate(self) -> bool:
        return bool(self.unknown_years)


def known_years(holidays: Holidays = NO_HOLIDAYS) -> tuple[int, ...]:
    """Every year whose whole schedule is known: the package's and those the policy gives."""
    return tuple(sorted({*PACKAGE_YEARS, *holidays.years}))


def day_kind(day: date, holidays: Holidays = NO_HOLIDAYS) -> tuple[bool, str | None, bool]:
    """(is a working day, the holiday's name when it is one, schedule known)."""
    listed = holidays.day(day)
    if listed is not None:
        return listed[0], listed[1], True
    if day.year in PACKAGE_YEARS:
        working = chinese_calendar.is_workday(day)
        name = None
        if not working:
            on_holiday, raw = chinese_calendar.get_holiday_detail(day)
            name = HOLIDAY_NAMES.get(raw or "", raw) if on_holiday else None
        return working, name, True
    return day.weekday() < 5, None, day.year in holidays.years


def add_workdays(start: datetime, days: int, holidays: Holidays = NO_HOLIDAYS) -> WorkdayResult:
    """The end (23:59:59, start's zone) of the ``days``-th working day after ``start``'s day."""
    day = start.date()
    counted = 0
    unknown: list[int] = []
    names: list[str] = []
    while counted < days:
        day += timedelta(days=1)
        working, name, known = day_kind(day, holidays)
        if not known and day.year not in unknown:
            unknown.append(day.year)
        if working:
            counted += 1
        elif name and name not in names:
            names.append(name)
    due = datetime.combine(day, time(23, 59, 59), tzinfo=start.tzinfo)
    return WorkdayResult(due, tuple(names), tuple(unknown))
