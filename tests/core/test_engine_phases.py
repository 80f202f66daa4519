"""The two phases: triage decides which intents to answer (mid-conversation too), advise builds on the
cases' states handed to it as data. No callback: a test needs no database."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core.clock import SHOP_TZ
from app.core.engine import CaseState
from app.core.order import Order
from app.core.terms import OrderStatus, Signer

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=SHOP_TZ)


def test_triage_names_the_intents_to_answer(engine):
    assert set(engine.triage("碎了一个还少了一件").intents) == {"damaged", "missing_item"}
    assert engine.triage("在吗").intents == ()


def test_mid_conversation_a_message_without_a_keyword_continues_the_open_case(engine):
    assert engine.triage("照片发你了", continuing="damaged").intents == ("damaged",)
    assert engine.triage("在吗", continuing="lost_parcel").intents == ("lost_parcel",)
    # A keyword is evidence of a new problem: that one is answered instead.
    assert engine.triage("又发现少了一件", continuing="damaged").intents == ("missing_item",)


def test_advise_builds_on_what_the_case_holds(engine):
    opened = NOW - timedelta(hours=1)
    case = CaseState(frozenset({"box_photos"}), "box_damaged_severe", opened)
    order = Order(status=OrderStatus.SIGNED, signed_by=Signer.PROXY)
    result = engine.advise(
        engine.triage("照片发你了", continuing="damaged"), cases={"damaged": case}, order=order, now=NOW
    )
    assert [s.script_id for s in result.scripts] == ["damaged.box_damaged_severe"]
    feedback = next(d for d in result.deadlines if d.kind == "warehouse_feedback")
    assert feedback.due_at == opened + timedelta(hours=2)  # from when the case was opened, not from now


def test_suggest_is_both_phases_with_no_case(engine):
    message = "亲 包裹是不是丢了 单号SF1234567890123"
    assert engine.suggest(message, now=NOW) == engine.advise(engine.triage(message), now=NOW)
