"""Working days with the policy's holidays: days it adds or corrects, the years it makes known, the approximate
flag on a count that crosses a year nobody knows, and its mistakes reported with file:line."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.clock import SHOP_TZ
from app.core.content import ContentInvalid
from app.core.content.holidays import Holidays
from app.core.content.policy import load_policies
from app.core.engine import build_engine
from app.core.order import Order
from app.core.workdays import PACKAGE_YEARS, add_workdays, day_kind, known_years

# A made-up schedule for an unknown year, for the arithmetic only: NOT the State Council's published one.
MADE_UP = Holidays(
    years=(2031,),
    off={"2031-01-01": "元旦", "2031-01-02": "元旦", "2031-01-03": "元旦"},
    work={"2031-01-04": "元旦"},  # a Saturday
)


def test_the_package_alone_knows_its_years_and_no_later():
    assert PACKAGE_YEARS[0] == 2004 and 2026 in PACKAGE_YEARS
    assert known_years() == tuple(PACKAGE_YEARS)
    assert known_years(MADE_UP)[-1] == 2031 and 2030 not in known_years(MADE_UP)


def test_a_count_across_an_unknown_year_is_approximate_and_names_it():
    r = add_workdays(datetime(2030, 12, 30, 10, tzinfo=SHOP_TZ), 3)  # Mon: Tue 31, Wed 1, Thu 2
    assert r.due.date() == date(2031, 1, 2) and r.approximate and r.unknown_years == (2030, 2031)


def test_the_policy_schedule_makes_the_year_known_and_is_followed():
    r = add_workdays(datetime(2030, 12, 30, 10, tzinfo=SHOP_TZ), 3, Holidays(years=(2030, 2031), off=MADE_UP.off))
    # Tue 31 works; 1–3 Jan off; Sat 4 and Sun 5 are a weekend again without the make-up day; Mon 6
    assert r.due.date() == date(2031, 1, 7) and not r.approximate and r.skipped_holidays == ("元旦",)
    with_make_up = Holidays(years=(2030, 2031), off=MADE_UP.off, work=MADE_UP.work)
    r = add_workdays(datetime(2030, 12, 30, 10, tzinfo=SHOP_TZ), 3, with_make_up)
    assert r.due.date() == date(2031, 1, 6)  # Tue 31, Sat 4 (调休上班), Mon 6


def test_a_year_listed_only_in_part_stays_approximate():
    partial = Holidays(off=MADE_UP.off)  # days given, the year not declared complete
    r = add_workdays(datetime(2030, 12, 30, 10, tzinfo=SHOP_TZ), 3, partial)
    assert r.approximate and r.unknown_years == (2030, 2031) and r.skipped_holidays == ("元旦",)


def test_the_policy_corrects_a_day_the_package_knows():
    monday, saturday = date(2026, 11, 23), date(2026, 11, 28)
    assert day_kind(monday) == (True, None, True) and day_kind(saturday)[0] is False
    fixed = Holidays(off={"2026-11-23": "店庆"}, work={"2026-11-28": "店庆"})
    assert day_kind(monday, fixed) == (False, "店庆", True) and day_kind(saturday, fixed) == (True, None, True)
    r = add_workdays(datetime(2026, 11, 20, 10, tzinfo=SHOP_TZ), 3, fixed)  # Fri: Mon off, Tue, Wed, Thu
    assert r.due.date() == date(2026, 11, 26) and r.skipped_holidays == ("店庆",) and not r.approximate


# --- in the policy files ------------------------------------------------------------------------------


def write_policy(root, text: str, shop: str | None = None) -> None:
    if shop is None:
        path = root / "policy" / "default.yaml"
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
        return
    folder = root / "phrasebook" / "shops" / shop
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "policy.yaml").write_text(text, encoding="utf-8")


def errors_of(root) -> list[str]:
    with pytest.raises(ContentInvalid) as exc:
        load_policies(root)
    return [str(e) for e in exc.value.errors]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("  off:\n    2031-02-30: 春节\n", 3, "holidays.off.2031-02-30: 没有这一天 no such date: '2031-02-30'"),
        ("  off:\n    2031-2-3: 春节\n", 3, "holidays.off.2031-2-3: 日期格式应为 YYYY-MM-DD"),
        ("  off:\n    2031-02-03: 春节\n  work:\n    2031-02-03: 春节\n", 5, "同一天既是放假又是调休上班"),
        ("  years: [1999]\n", 2, "holidays.years.0: 年份应在 2000–2100 之间"),
        ("  off:\n    2031-02-03: ''\n", 3, "holidays.off.2031-02-03"),
        ("  holiday:\n    2031-02-03: 春节\n", 2, "holidays.holiday"),
        ("  off: [2031-02-03]\n", 2, "holidays.off"),  # the wrong shape: reported, never a crash in the merge
        ("  years: '2031'\n", 2, "holidays.years"),
    ],
)
def test_holiday_mistakes_are_reported_with_file_and_line(content_root, text, line, needle):
    write_policy(content_root, "holidays:\n" + text, shop="bad")
    found = errors_of(content_root)
    assert any(e.startswith(f"phrasebook/shops/bad/policy.yaml:{line}:") and needle in e for e in found), found


def test_a_shop_corrects_the_default_schedule_and_its_own_entry_wins(content_root):
    default = content_root / "policy" / "default.yaml"
    text = (
        default.read_text(encoding="utf-8")
        .replace("  years: []", "  years: [2031]")
        .replace("  off: {}", "  off:\n    2031-01-01: 元旦\n    2031-01-02: 元旦")
    )
    default.write_text(text, encoding="utf-8")
    write_policy(content_root, "holidays:\n  work:\n    2031-01-02: 店铺上班\n  off:\n    2031-01-06: 店庆\n", "s1")
    policies = load_policies(content_root)
    shop, base = policies.for_shop("s1").holidays, policies.default.holidays
    assert base.day(date(2031, 1, 2)) == (False, "元旦") and shop.day(date(2031, 1, 2)) == (True, None)
    assert shop.day(date(2031, 1, 1)) == (False, "元旦") and shop.day(date(2031, 1, 6)) == (False, "店庆")
    assert shop.years == (2031,) and base.day(date(2031, 1, 6)) is None


def test_the_lint_warns_of_a_make_up_day_on_a_weekday(content_root):
    write_policy(content_root, "holidays:\n  work:\n    2031-01-06: 元旦\n", "s2")  # a Monday
    policies = load_policies(content_root)
    assert [str(w) for w in policies.warnings] == [
        "phrasebook/shops/s2/policy.yaml:3:5: warning: holidays.work.2031-01-06: 这天本来就是工作日(周一至周五)"
        "this day is a weekday anyway"
    ]


# --- in the suggestion -------------------------------------------------------------------------------


def lost_parcel_deadline(engine, now):
    result = engine.suggest("快递显示签收了 但我根本没收到", order=Order(), now=now)
    return next(d for d in result.deadlines if d.kind == "lost_parcel_verification")


def test_the_deadline_crossing_an_unknown_year_is_flagged(engine):
    d = lost_parcel_deadline(engine, datetime(2026, 12, 30, 10, tzinfo=SHOP_TZ))
    assert d.due_at.isoformat() == "2027-01-04T23:59:59+08:00"
    assert d.approximate is not None and "2027 年的节假日安排未知" in d.approximate
    assert "(节假日未知,按周末计算)" in d.why and d.known_years == tuple(PACKAGE_YEARS)
    inside = lost_parcel_deadline(engine, datetime(2026, 11, 20, 10, tzinfo=SHOP_TZ))
    assert inside.approximate is None and "按周末计算" not in inside.why


def test_a_policy_that_gives_the_year_makes_the_deadline_exact(content_root, normalizer):
    default = content_root / "policy" / "default.yaml"
    text = default.read_text(encoding="utf-8").replace("  years: []", "  years: [2027]")
    default.write_text(text.replace("  off: {}", "  off:\n    2027-01-01: 元旦"), encoding="utf-8")
    engine = build_engine(content_root, normalizer=normalizer)
    d = lost_parcel_deadline(engine, datetime(2026, 12, 30, 10, tzinfo=SHOP_TZ))
    # Thu 31 Dec, (Fri 1 Jan off as the policy says), Mon 4, Tue 5
    assert d.due_at.isoformat() == "2027-01-05T23:59:59+08:00" and d.approximate is None
    assert "元旦" in d.why and d.known_years is not None and d.known_years[-1] == 2027


def test_the_lint_reports_holiday_and_tracking_mistakes_with_their_lines(content_root):
    from app.core.lint import lint  # the editor's whole check: scripts/lint

    write_policy(content_root, "holidays:\n  work:\n    2031-01-06: 元旦\n", "s3")
    report = lint(content_root)
    assert any(
        str(w).startswith("phrasebook/shops/s3/policy.yaml:3:5: warning: holidays.work.2031-01-06")
        for w in report.warnings
    )
    write_policy(content_root, "holidays:\n  off:\n    2031-13-01: 元旦\n", "s3")
    (content_root / "policy" / "tracking_states.yaml").write_text(
        "providers:\n  x:\n    name: X\n    source: 文档\n    codes:\n      '1': {name: 在途, status: moving}\n",
        encoding="utf-8",
    )
    lines = lint(content_root).lines()
    assert any(line.startswith("phrasebook/shops/s3/policy.yaml:3:5: error: holidays.off.2031-13-01") for line in lines)
    assert any(line.startswith("policy/tracking_states.yaml:6:") and "moving" in line for line in lines), lines
