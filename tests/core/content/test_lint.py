"""scripts/lint: every error kind an editor can make, at its file:line:column; warnings for weak spots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.core.content import ContentInvalid
from app.core.engine import build_engine
from app.core.lint import lint
from app.settings import PROJECT_ROOT, Settings


@pytest.fixture
def root(content_root: Path) -> Path:
    return content_root


def edit(root: Path, rel: str, old: str, new: str) -> int:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return next(
        n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if new.splitlines()[0] in line
    )


def where(report, needle):
    hits = [e for e in (*report.errors, *report.warnings) if needle in e.message]
    assert hits, [str(e) for e in (*report.errors, *report.warnings)]
    return hits[0]


def test_shipped_content_is_clean():
    report = lint(PROJECT_ROOT, Settings().cache_dir)
    assert report.errors == () and report.warnings == (), report.lines()


def test_branch_that_no_context_reaches(root):
    line = edit(
        root,
        "phrasebook/damaged.yaml",
        "  - id: box_damaged_slight\n    name: 外包装轻微破损:引导确认收货,小额补偿\n"
        "    when: {evidence_received: [box_photos], assessment: box_damaged_slight}",
        "  - id: box_damaged_slight\n    name: 外包装轻微破损:引导确认收货,小额补偿\n"
        "    when: {evidence_received: [box_photos], assessment: box_damaged_severe}",
    )
    e = where(lint(root), "never selected")
    assert (e.file, e.line, e.severity) == (
        "phrasebook/damaged.yaml",
        line,
        "error",
    ) and "box_damaged_severe" in e.message


def test_script_that_fails_with_sample_values(root):
    line = edit(root, "phrasebook/damaged.yaml", "{{ amount }}元的小额补偿", "{{ amount + 1 }}元的小额补偿")
    e = where(lint(root), "fails to render")
    assert e.file == "phrasebook/damaged.yaml" and e.line < line and e.column == 5


def test_test_sentence_matched_elsewhere(root):
    edit(root, "intents/damaged.yaml", "tests:\n", "tests:\n  - 什么时候发货\n")
    e = where(lint(root), "test sentence is matched as 'shipping_eta'")
    lines = (root / "intents/damaged.yaml").read_text(encoding="utf-8").splitlines()
    assert e.file == "intents/damaged.yaml" and lines[e.line - 1].strip() == "- 什么时候发货" and e.column == 5


def test_near_miss_matched_as_its_own_intent_is_a_warning(root):
    edit(
        root,
        "intents/damaged.yaml",
        "  - {intent: quality_issue, text: 用了三天就坏了不制冷}",
        "  - {intent: quality_issue, text: 杯子碎了}\n  - {intent: quality_issue, text: 用了三天就坏了不制冷}",
    )
    e = where(lint(root), "near miss is matched as this intent")
    assert e.severity == "warning" and e.file == "intents/damaged.yaml"


def test_forbidden_wording_is_an_error_at_its_line_and_long_scripts_a_warning(root):
    """It was a warning, and a script inviting the buyer to 加微信 was served to agents."""
    line = edit(
        root, "phrasebook/damaged.yaml", "内件照片给我们以便我们核实具体情况", "内件照片发到我微信号abc,好评返现5元"
    )
    report = lint(root)
    for word in ("'微信号'", "'好评返现'"):
        e = where(report, word)
        assert e.severity == "error" and e.file == "phrasebook/damaged.yaml" and e.line < line
    with pytest.raises(ContentInvalid):  # never built, so never live, and never started with
        build_engine(root, None)
    edit(root, "phrasebook/damaged.yaml", "内件照片发到我微信号abc,好评返现5元", "内件照片给我们以便我们核实具体情况")
    edit(root, "phrasebook/wrong_item.yaml", "text: >-\n", "text: >-\n      " + "亲" * 160 + "\n")
    report = lint(root)
    assert report.errors == () and where(report, "script is long").severity == "warning"


@pytest.mark.parametrize(
    "written",
    ["加微信", "私下交易", "线下转账", "加 微 信", "加ＶＸ", "加Vx", "好评 返现", "加QQ"],
)
def test_forbidden_wording_is_caught_however_it_is_written(root, written):
    edit(root, "phrasebook/wrong_item.yaml", "text: >-\n", f"text: >-\n      方便的话{written}联系我~\n")
    assert any("forbidden platform wording" in e.message for e in lint(root).errors), written


def test_a_clarifying_question_with_forbidden_wording_is_an_error(root):
    edit(root, "phrasebook/_clarify.yaml", "亲,请问订单是还没发货想取消", "亲,加微信说吧,请问订单是还没发货想取消")
    e = where(lint(root), "'加微信'")
    assert e.severity == "error" and e.file == "phrasebook/_clarify.yaml"


def test_load_errors_come_through_with_policy_errors_in_one_report(root):
    edit(root, "phrasebook/damaged.yaml", "actions: [note]", "actions: [nope]")
    (root / "phrasebook/shops/bad").mkdir(parents=True, exist_ok=True)
    (root / "phrasebook/shops/bad/policy.yaml").write_text("compensation:\n  agent_max: -1\n", encoding="utf-8")
    files = {e.file for e in lint(root).errors}
    assert {"phrasebook/damaged.yaml", "phrasebook/shops/bad/policy.yaml"} <= files


def test_cli_exit_codes(root):
    ok = subprocess.run([sys.executable, "scripts/lint"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "0 个错误 errors" in ok.stdout
    edit(root, "phrasebook/damaged.yaml", "actions: [note]", "actions: [nope]")
    bad = subprocess.run(
        [sys.executable, "scripts/lint", "--root", str(root)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and "phrasebook/damaged.yaml:" in bad.stdout and "nope" in bad.stdout


def test_a_shops_policy_adds_forbidden_wording(root):
    (root / "phrasebook/shops/demo-shop/policy.yaml").write_text(
        "forbidden_wording:\n  亲爱哒: 本店不用的称呼 a form of address this shop does not use\n", encoding="utf-8"
    )
    report = lint(root)
    hits = [e for e in report.errors if "'亲爱哒'" in e.message]
    # Scripts demo-shop uses are worded with it; only demo-shop's policy forbids it, and says so.
    assert hits and all("demo-shop" in e.message and e.severity == "error" for e in hits)


def test_run_as_documented_from_any_folder_with_the_system_python(tmp_path):
    """`scripts/lint` through its shebang: the system Python lacks the packages, the script uses the project's."""
    import shutil

    system = shutil.which("python3", path="/usr/bin:/bin")
    assert system is not None
    probe = subprocess.run([system, "-c", "import jieba"], capture_output=True, timeout=30)
    assert probe.returncode != 0  # otherwise this test would prove nothing
    done = subprocess.run(
        [str(PROJECT_ROOT / "scripts/lint")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0 and "0 个错误 errors" in done.stdout, done.stderr
