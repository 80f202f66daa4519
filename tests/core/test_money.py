"""Money rules (issue 16): the agent's range per shop and intent, and scripts that never state an amount the
店长 has not approved (nor the buyer's own figure) as granted."""

from __future__ import annotations

import shutil
from datetime import datetime
from decimal import Decimal

import pytest

from app.core.clock import SHOP_TZ
from app.core.content import ContentInvalid
from app.core.content.policy import compensation_range, load_policies
from app.core.engine import build_engine
from app.core.order import Order
from app.core.situation import approval
from app.core.suggestion import CaseState
from app.settings import PROJECT_ROOT

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=SHOP_TZ)
D = Decimal


@pytest.mark.parametrize(
    ("shop", "intent", "low", "high"),
    [
        (None, "damaged", 5, 30),  # 000: 补偿金额度限度为5-30元
        (None, "complaint", 5, 30),
        (None, None, 5, 30),  # no intent known: the shop's general range
        (None, "quality_issue", 5, 8),  # 000 质量问题: 一般退5~8元,高于8元请示店长
        ("demo-shop", "damaged", 5, 50),  # the demo shop lets agents go to 50 元
        ("demo-shop", "quality_issue", 5, 8),  # …but keeps the default 质量问题 range it does not name
        ("unknown-shop", "quality_issue", 5, 8),
    ],
)
def test_compensation_range_per_shop_and_intent(shop, intent, low, high):
    policy = load_policies(PROJECT_ROOT).for_shop(shop)
    assert compensation_range(policy, intent) == (low, high)


@pytest.mark.parametrize(
    ("intent", "amount", "needed"),
    [
        ("damaged", "30", False),
        ("damaged", "30.01", True),
        ("damaged", "50", True),
        ("quality_issue", "8", False),
        ("quality_issue", "8.5", True),
        ("quality_issue", "30", True),  # within the general range, above 质量问题's
        (None, "30", False),
    ],
)
def test_approval_uses_the_intents_range(intent, amount, needed):
    policy = load_policies(PROJECT_ROOT).default
    result = approval(D(amount), policy, NOW, intent)
    assert result is not None and result.needed is needed and result.approver == "店长"
    assert (result.answer_by is not None) is needed


def test_a_shop_changes_an_intents_range(tmp_path):
    for sub in ("policy", "phrasebook"):
        shutil.copytree(PROJECT_ROOT / sub, tmp_path / sub)
    shop = tmp_path / "phrasebook" / "shops" / "tea-shop"
    shop.mkdir()
    (shop / "policy.yaml").write_text(
        "compensation:\n  by_intent:\n    quality_issue: {agent_min: 10, agent_max: 20}\n"
        "    damaged: {agent_min: 0, agent_max: 15}\n",
        encoding="utf-8",
    )
    policy = load_policies(tmp_path).for_shop("tea-shop")
    assert compensation_range(policy, "quality_issue") == (10, 20)
    assert compensation_range(policy, "damaged") == (0, 15)
    assert compensation_range(policy, "complaint") == (5, 30)
    (shop / "policy.yaml").write_text(
        "compensation:\n  by_intent:\n    quality_issue: {agent_min: 20, agent_max: 10}\n", encoding="utf-8"
    )
    with pytest.raises(ContentInvalid) as caught:
        load_policies(tmp_path)
    assert "phrasebook/shops/tea-shop/policy.yaml:3" in str(caught.value)


def slight(engine, message="照片发你了", **kw):
    """damaged.box_intact_slight: the script that offers {{ amount }} 元 小额补偿."""
    state = kw.pop("state", CaseState())
    evidence = frozenset({"box_photos", "item_photos"})
    state = CaseState(evidence, "box_intact_slight", NOW, state.remedy, state.amount, state.approval, state.asked)
    triage = engine.triage(message, continuing="damaged")
    result = engine.advise(triage, cases={"damaged": state}, order=Order(), now=NOW, **kw)
    return next(s for s in result.scripts if s.intent == "damaged"), result


def test_an_amount_within_the_range_is_stated(engine):
    s, result = slight(engine, proposed_compensation=D("20"))
    assert s.script_id == "damaged.box_intact_slight" and "给您20元的小额补偿" in s.text
    assert not result.approval.needed


def test_an_amount_above_the_range_is_only_asked_for(engine):
    s, result = slight(engine, proposed_compensation=D("50"))
    assert "帮您申请50元" in s.text and "给您50元的小额补偿" not in s.text
    assert result.approval.needed and any(a.id == "escalate_manager" for a in s.actions)


def test_while_pending_the_script_asks_and_after_approval_it_grants(engine):
    s, result = slight(engine, state=CaseState(approval="pending", asked=D("50"), remedy="compensate"))
    assert "帮您申请50元" in s.text and result.approval.needed
    s, result = slight(engine, state=CaseState(approval="approved", amount=D("50"), remedy="compensate"))
    assert "给您50元的小额补偿" in s.text and not result.approval.needed
    # Rejected: the amount was cleared, nothing is stated as granted.
    s, _ = slight(engine, state=CaseState(approval="rejected", remedy="compensate"))
    assert "【金额】" in s.text and s.missing_placeholders == ("amount",)


def test_the_buyers_figure_never_fills_the_amount(engine):
    s, result = slight(engine, message="补偿50吧")
    assert "50" not in s.text and "【金额】" in s.text
    assert result.approval.needed  # …but it does tell the agent the 店长 would have to decide
    s, _ = slight(engine, message="补偿50吧", state=CaseState(amount=D("10"), remedy="compensate"))
    assert "给您10元的小额补偿" in s.text


def test_quality_issue_above_eight_is_asked_for(engine):
    triage = engine.triage("实在太小问题了 不影响使用 但是有点瑕疵", continuing="quality_issue")
    state = CaseState(assessment="minor", opened_at=NOW)
    result = engine.advise(triage, cases={"quality_issue": state}, proposed_compensation=D("10"), now=NOW)
    s = next(s for s in result.scripts if s.intent == "quality_issue")
    assert s.script_id == "quality_issue.minor_issue"
    assert "正在帮您申请10元" in s.text and result.approval.needed and result.approval.agent_limit == 8


def test_a_script_stating_an_amount_needs_pending_wording(tmp_path, normalizer):
    for sub in ("intents", "phrasebook", "policy"):
        shutil.copytree(PROJECT_ROOT / sub, tmp_path / sub)
    path = tmp_path / "phrasebook" / "complaint.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("    pending: >-")
    end = text.index("\n", text.index("\n", start) + 1)
    path.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    with pytest.raises(ContentInvalid) as caught:
        build_engine(tmp_path, None, normalizer=normalizer)
    assert "phrasebook/complaint.yaml" in str(caught.value) and "pending" in str(caught.value)
    path.write_text(text.replace("正在帮您申请{{ amount }}元的补偿", "给了您{{ amount }}元的补偿"), encoding="utf-8")
    with pytest.raises(ContentInvalid) as caught:
        build_engine(tmp_path, None, normalizer=normalizer)
    assert "申请" in str(caught.value)


def test_a_range_for_an_unknown_intent_is_a_lint_error(tmp_path):
    from app.core.lint import lint

    for sub in ("intents", "phrasebook", "policy"):
        shutil.copytree(PROJECT_ROOT / sub, tmp_path / sub)
    shop = tmp_path / "phrasebook" / "shops" / "typo-shop"
    shop.mkdir()
    (shop / "policy.yaml").write_text(
        "compensation:\n  by_intent:\n    quality_isue: {agent_min: 5, agent_max: 8}\n", encoding="utf-8"
    )
    report = lint(tmp_path)
    assert not report.ok
    assert any("phrasebook/shops/typo-shop/policy.yaml" in line and "quality_isue" in line for line in report.lines())


@pytest.mark.parametrize(
    ("message", "intent", "limit"),
    [("收到的杯子碎了", "damaged", "5-30元"), ("东西坏了 质量太差", "quality_issue", "5-8元")],
)
def test_the_ladder_note_gives_the_intents_range(engine, message, intent, limit):
    result = engine.suggest(message, now=NOW)
    notes = next(s for s in result.scripts if s.intent == intent).notes
    assert any(f"补偿({limit},以上请示店长)" in n for n in notes), notes
