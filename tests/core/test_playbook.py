"""Every branch of every flow is reachable from its conditions, and scripts render cleanly."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core.clock import SHOP_TZ
from app.core.content import load_catalog
from app.core.normalize import Normalizer
from app.core.order import Order
from app.core.playbook import Context
from app.settings import PROJECT_ROOT

_CATALOG = load_catalog(PROJECT_ROOT, Normalizer())
BRANCHES = [pytest.param(b, id=b.script_id) for f in _CATALOG.flows.values() for b in f.branches]


def context_for(branch) -> tuple[Context, str]:
    w = branch.when
    ctx = Context(
        order_status=min(w.order_status) if w.order_status else None,
        signed_by=min(w.signed_by) if w.signed_by else None,
        evidence_received=w.evidence_received,
        assessment=w.assessment,
        remedy=min(w.remedy) if w.remedy else None,
    )
    return ctx, (w.message_has[0] if w.message_has else "")


@pytest.mark.parametrize("branch", BRANCHES)
def test_every_branch_is_reached_by_its_own_conditions(engine, branch):
    flow = engine.catalog.flows[branch.intent]
    ctx, message = context_for(branch)
    chosen = engine.playbook.select(flow, ctx, message)
    assert chosen.id == branch.id, f"{branch.source}: conditions {branch.when} select {chosen.script_id} instead"


@pytest.mark.parametrize("branch", BRANCHES)
def test_every_script_renders_with_and_without_values(engine, branch):
    labels = engine.catalog.vocabulary.placeholders
    empty = engine.playbook.render(branch, {})
    assert "{{" not in empty.text and "}}" not in empty.text
    for name in empty.missing:
        assert f"【{labels[name]}】" in empty.text
    full = engine.playbook.render(branch, {name: f"<{name}>" for name in labels})
    assert full.missing == ()
    assert all(f"<{name}>" in full.text for name in empty.missing)


@pytest.mark.parametrize("branch", BRANCHES)
def test_every_branch_names_known_evidence_and_actions(engine, branch):
    vocab = engine.catalog.vocabulary
    assert set(branch.evidence) <= set(vocab.evidence) and set(branch.actions) <= set(vocab.actions)
    assert branch.text.strip() and branch.name.strip() and branch.source_note.strip()


def test_each_flow_has_one_entry_and_no_context_selects_it(engine):
    for flow in engine.catalog.flows.values():
        assert sum(b.entry for b in flow.branches) == 1
        assert engine.playbook.select(flow, Context(), "").entry


def test_damaged_flow_follows_seed_003(engine):
    flow = engine.catalog.flows["damaged"]
    entry = flow.entry
    assert set(entry.evidence) == {"waybill_photo", "box_photos", "item_photos"}
    assert "外箱2-4面" in entry.text  # the seed's own script
    after_photos = Context(evidence_received=frozenset({"box_photos", "item_photos"}), assessment="box_intact_severe")
    chosen = engine.playbook.select(flow, after_photos, "")
    assert chosen.id == "box_intact_severe" and {"resend", "refund", "note", "register"} <= set(chosen.actions)


def test_suggest_fills_placeholders_from_entities(engine):
    result = engine.suggest("亲 包裹是不是丢了 单号SF1234567890123", now=datetime(2026, 11, 20, 10, tzinfo=SHOP_TZ))
    assert result.match.best.intent == "lost_parcel"
    script = result.scripts[0]
    assert script.script_id.startswith("lost_parcel.")
    assert "{{" not in script.text and "【处理时限】" not in script.text
    assert "11月25日" in script.text  # three working days after Friday 20 November
    assert result.entities.tracking_numbers[0].courier == "SF"
    assert result.phrasebook_version == engine.version


def test_suggest_for_two_problems_gives_two_scripts(engine):
    result = engine.suggest("碎了一个还少了一件")
    assert {s.intent for s in result.scripts} == {"damaged", "missing_item"}
    for script in result.scripts:
        assert script.evidence and script.actions and all(a.name for a in script.actions)


def test_no_intent_gives_no_script(engine):
    result = engine.suggest("在吗")
    assert result.scripts == () and result.match.intents == ()


def test_order_state_picks_the_branch(engine):
    in_transit = Order(status="in_transit")
    result = engine.suggest("不要了 帮我拦截一下", order=in_transit)
    assert result.scripts[0].script_id == "intercept.in_transit"
    hurry = engine.suggest("不要了 帮我拦截 着急用钱 先退款", order=in_transit)
    assert hurry.scripts[0].script_id == "intercept.in_transit_hurry"


def test_an_agreed_remedy_holds_the_case_at_carrying_it_out_until_a_step_it_leads_to(engine):
    """The proposal rests on evidence and a judgement (two conditions); the buyer's choice moves the case to the
    step that carries it out, and only a step that one leads to (已补发) moves it on."""
    flow = engine.catalog.flows["missing_item"]
    photos = frozenset({"six_side_photos", "all_items_photo"})
    proposal = Context(evidence_received=photos, assessment="confirmed")
    assert engine.playbook.select(flow, proposal, "").id == "confirmed_missing"
    assert flow.branch("confirmed_missing").proposed_remedies == {"resend", "refund"}
    chose = Context(evidence_received=photos, assessment="confirmed", remedy="resend")
    assert engine.playbook.select(flow, chose, "").id == "resend_arranged"
    assert flow.branch("resend_arranged").proposed_remedies == frozenset()  # carries it out, offers nothing
    done = Context(evidence_received=photos, assessment="resent", remedy="resend")
    assert engine.playbook.select(flow, done, "").id == "resent"
    # A remedy no step carries out leaves the flow where its state puts it.
    other = Context(evidence_received=photos, assessment="confirmed", remedy="compensate")
    assert engine.playbook.select(flow, other, "").id == "confirmed_missing"
