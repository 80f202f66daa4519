"""A shop's holiday schedule, the policy's ``holidays:``: days off and make-up working days (调休上班) that add to
or correct what the chinese-calendar package knows, and the years whose whole schedule the policy gives.

The package carries the State Council's schedule up to the year it was released for; the next year's schedule is
published each November, so a shop can type it in (default.yaml for every shop, a shop's policy.yaml for its
own corrections) without waiting for a new release. The model gives the shape and the JSON Schema; ``check``
reads the file itself for what a per-field check cannot say with the entry's line: a day both off and on.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from app.core.content.errors import ContentError
from app.core.content.fields import at

DAY = r"^\d{4}-\d{2}-\d{2}$"
FIRST_YEAR, LAST_YEAR = 2000, 2100  # a year outside is a typo, not a schedule


def _real_day(value: str) -> str:
    """The key as written (ISO, so lookups compare text), once it is a date that exists."""
    if not re.match(DAY, value):
        raise ValueError(f"日期格式应为 YYYY-MM-DD date must be written YYYY-MM-DD: '{value}'")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"没有这一天 no such date: '{value}'") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间 year out of range: '{value}'")
    return value


Day = Annotated[str, AfterValidator(_real_day), WithJsonSchema({"type": "string", "pattern": DAY})]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


def _year(value: int) -> int:
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValueError(f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间 year out of range: {value}")
    return value


Year = Annotated[
    int, AfterValidator(_year), WithJsonSchema({"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR})
]


class Holidays(BaseModel):
    """``off`` and ``work`` win over the package for their days; a year in ``years`` counts as known for every day
    of it (days the policy does not list follow the week: Monday–Friday work)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    years: tuple[Year, ...] = Field(
        (),
        description="全年安排已完整写在这里的年份(国务院办公厅通知发布后填写)years whose whole schedule is given "
        "here; a deadline crossing any other year the package does not know is marked approximate",
    )
    off: dict[Day, Name] = Field(
        default_factory=dict, description="放假的日期: 节日名 days off (holidays and 调休放假): their name"
    )
    work: dict[Day, Name] = Field(
        default_factory=dict,
        description="调休上班的日期(通常是周末): 节日名 make-up working days, usually a weekend: the holiday they "
        "make up for",
    )

    def day(self, day: date) -> tuple[bool, str | None] | None:
        """(working, holiday name) when the policy lists ``day``, else None."""
        key = day.isoformat()
        if key in self.work:
            return True, None
        if key in self.off:
            return False, self.off[key]
        return None


def check(node: Any, file: str) -> list[ContentError]:
    """What one file's ``holidays:`` says wrongly that each field alone cannot: a day listed both as a day off and
    as a working day (reported on the ``work`` entry), and warnings for a likely slip."""
    if not isinstance(node, dict):
        return []
    off, work = node.get("off"), node.get("work")
    off = off if isinstance(off, dict) else {}
    work = work if isinstance(work, dict) else {}
    found = [
        ContentError(
            file,
            *at(work, key),
            f"holidays.work.{key}: 同一天既是放假又是调休上班 a day cannot be both a day off and a working day",
        )
        for key in work
        if key in off
    ]
    years = node.get("years")
    listed = {y for y in years if isinstance(y, int)} if isinstance(years, list) else set()
    for key in work:
        day = _parsed(key)
        if day is not None and day.weekday() < 5 and key not in off:
            found.append(
                ContentError(
                    file,
                    *at(work, key),
                    f"holidays.work.{key}: 这天本来就是工作日(周一至周五)this day is a weekday anyway",
                    "warning",
                )
            )
    for year in listed:
        if not any((_parsed(k) or date.min).year == year for k in off):
            found.append(
                ContentError(
                    file,
                    *at(node, "years"),
                    f"holidays.years: {year} 年列为已知,却没有一天放假 year {year} is listed as known but has no day off",
                    "warning",
                )
            )
    return found


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """A shop's holidays over the default's: its own entry for a day wins (a day the default lists as off may be a
    working day for the shop, and the other way round), and the years known are both files' together. A part of
    the wrong shape is left as the shop wrote it, for the model to report."""
    merged = {**base, **override}

    def part(doc: dict[str, Any], key: str) -> dict[str, Any]:
        value = doc.get(key)
        return value if isinstance(value, dict) else {}

    for key, other in (("off", "work"), ("work", "off")):
        if isinstance(override.get(key, {}), dict) and isinstance(base.get(key, {}), dict):
            kept = {k: v for k, v in part(base, key).items() if k not in part(override, other)}
            merged[key] = {**kept, **part(override, key)}
    years, more = base.get("years", []), override.get("years", [])
    if isinstance(years, list) and isinstance(more, list):
        merged["years"] = years + [y for y in more if y not in years]
    return merged


def _parsed(key: Any) -> date | None:
    try:
        return date.fromisoformat(str(key)) if re.match(DAY, str(key)) else None
    except ValueError:
        return None
