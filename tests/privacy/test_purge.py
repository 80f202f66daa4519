"""The retention purge on both engines: an old finished case loses its personal data and keeps its skeleton
(statistics unchanged), an open or recent one keeps everything, a dry run changes nothing, and a shop's own
retention period applies to its cases only."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.core.clock import SHOP_TZ
from app.core.content import ContentInvalid
from app.core.content.policy import load_policies
from app.privacy import service
from app.privacy.models import PrivacyLog
from app.settings import PROJECT_ROOT
from tests.privacy.helpers import MESSAGE, PHONE, RANGE, age, conversation_case, unique

POLICIES = load_policies(PROJECT_ROOT)


def purge(database, shop: str, *, dry_run: bool = False, policies=POLICIES) -> service.PurgeReport:  # type: ignore[no-untyped-def]
    with database.unit_of_work() as s:
        return service.purge(
            s, policies, datetime.now(SHOP_TZ), memory_hours=24, shop_id=shop, dry_run=dry_run, actor="test"
        )


def test_an_old_closed_case_loses_its_texts_and_keeps_its_statistics(client, database):
    shop = unique("pv-old")
    case_id = conversation_case(client, shop, unique("conv"))
    age(database, case_id, 200)
    stats_before = client.get("/v1/stats", params={**RANGE, "shop_id": shop}).json()
    timeline_before = client.get(f"/v1/cases/{case_id}/timeline").text
    assert PHONE[7:] in timeline_before and "文三路" in timeline_before

    report = purge(database, shop)

    counts = report.shops[shop]
    assert counts.cases == 1 and counts.events >= 3 and counts.follow_ups == 1
    timeline = client.get(f"/v1/cases/{case_id}/timeline").json()
    text = json.dumps(timeline, ensure_ascii=False)
    for personal in (PHONE[7:], "文三路", "李小龙", MESSAGE[:8]):
        assert personal not in text
    events = timeline["events"] if isinstance(timeline, dict) else timeline
    kinds = [e["type"] for e in events]
    assert "message_received" in kinds and "suggestion_shown" in kinds and "status_changed" in kinds
    shown = next(e for e in events if e["type"] == "suggestion_shown")
    assert shown["script_id"] and shown["data"]["purged"] is True and "phrasebook_version" in shown["data"]
    closed = [e["data"] for e in events if e["type"] == "status_changed"]
    assert closed[-1]["to"] == "closed"
    case = client.get(f"/v1/cases/{case_id}").json()
    assert case["status"] == "closed" and case["intent"] == "lost_parcel"
    by_hand = [f["what"] for f in case["follow_ups"] if f["kind"] is None]
    promised = [f["what"] for f in case["follow_ups"] if f["kind"] is not None]
    assert by_hand == ["(已清除 purged)"] and promised and "purged" not in promised[0]  # the content's words stay
    assert client.get("/v1/stats", params={**RANGE, "shop_id": shop}).json() == stats_before
    with database.unit_of_work() as s:
        assert s.get(Case, case_id).purged_at is not None
        logged = s.scalars(select(PrivacyLog).where(PrivacyLog.shop_id == shop)).all()
        assert [(r.action, r.actor, r.counts["cases"]) for r in logged] == [("purge", "test", 1)]
        assert PHONE[7:] not in json.dumps(logged[0].counts)
    # Purged once: a second run finds nothing left to do.
    assert not purge(database, shop).shops[shop].any


def test_open_and_recent_cases_are_never_purged(client, database):
    shop = unique("pv-keep")
    still_open = conversation_case(client, shop, unique("conv"), close=False)
    recent = conversation_case(client, shop, unique("conv"))
    age(database, still_open, 400)
    age(database, recent, 100)  # closed 100 days ago: within the default 180
    before = {c: client.get(f"/v1/cases/{c}/timeline").text for c in (still_open, recent)}

    assert not purge(database, shop).shops[shop].any

    for c in (still_open, recent):
        assert client.get(f"/v1/cases/{c}/timeline").text == before[c]


def test_a_dry_run_counts_and_changes_nothing(client, database):
    shop = unique("pv-dry")
    case_id = conversation_case(client, shop, unique("conv"))
    age(database, case_id, 200)
    timeline = client.get(f"/v1/cases/{case_id}/timeline").text
    case = client.get(f"/v1/cases/{case_id}").json()

    dry = purge(database, shop, dry_run=True)

    assert dry.dry_run and dry.shops[shop].cases == 1 and dry.shops[shop].events >= 3
    assert client.get(f"/v1/cases/{case_id}/timeline").text == timeline
    assert client.get(f"/v1/cases/{case_id}").json() == case
    with database.unit_of_work() as s:
        assert s.scalars(select(PrivacyLog).where(PrivacyLog.shop_id == shop)).all() == []
    assert purge(database, shop).shops[shop].as_dict() == dry.shops[shop].as_dict()


def test_a_shops_own_retention_applies_to_its_cases_only(client, database, content_root):
    short, default = unique("pv-short"), unique("pv-default")
    folder = content_root / "phrasebook" / "shops" / short
    folder.mkdir(parents=True)
    (folder / "policy.yaml").write_text("retention:\n  closed_case_days: 30\n", encoding="utf-8")
    policies = load_policies(content_root)
    assert policies.for_shop(short).retention.closed_case_days == 30
    assert policies.for_shop(default).retention.closed_case_days == 180
    ours, theirs = conversation_case(client, short, unique("conv")), conversation_case(client, default, unique("conv"))
    age(database, ours, 60)
    age(database, theirs, 60)

    assert purge(database, short, policies=policies).shops[short].cases == 1
    assert purge(database, default, policies=policies).shops[default].cases == 0
    assert PHONE[7:] in client.get(f"/v1/cases/{theirs}/timeline").text


@pytest.mark.parametrize("days", ["0", "abc", "-5"])
def test_a_bad_retention_is_a_content_error_with_its_line(content_root, days):
    folder = content_root / "phrasebook" / "shops" / "pv-bad"
    folder.mkdir(parents=True)
    (folder / "policy.yaml").write_text(f"# 保留期限\nretention:\n  closed_case_days: {days}\n", encoding="utf-8")
    with pytest.raises(ContentInvalid) as caught:
        load_policies(content_root)
    assert any("phrasebook/shops/pv-bad/policy.yaml:3" in str(e) for e in caught.value.errors)


def test_the_cli_purges_with_a_dry_run_and_prints_counts(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    for args in (["purge", "--dry-run"], ["purge", "--shop", "nobody"]):
        done = run(*args)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout.strip().splitlines()[-1])
        assert out["dry_run"] is (args[1] == "--dry-run") and "turns_expired" in out
    bad = run("erase", "--shop", "s", "--phone", "x")
    assert bad.returncode == 1 and "not a mainland mobile number" in bad.stderr
    done = run("erase", "--shop", "s", "--phone", "138 1234 5678", "--dry-run")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["selector"] == "phone=138****5678" and out["counts"]["cases"] == 0
    assert "1234 5678" not in done.stdout + done.stderr
    assert run("erase", "--shop", "s").returncode == 2  # argparse: exactly one selector
