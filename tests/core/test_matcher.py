"""The matcher against the shipped content: every intent's own tests, near misses, no-intent messages,
two problems in one message, negation, and explanations that point at real lines."""

from __future__ import annotations

import pytest

from app.core.content.models import CONTRACT_INTENTS, NONE_INTENT
from app.core.matcher import Status
from app.settings import PROJECT_ROOT


def _content_cases(kind: str) -> list:
    # Read at collection time so that each sentence is its own test case with a readable id.
    from app.core.content import load_catalog
    from app.core.normalize import Normalizer

    catalog = load_catalog(PROJECT_ROOT, Normalizer())
    return [pytest.param(i.id, ex.text, id=f"{ex.source}") for i in catalog.intents.values() for ex in getattr(i, kind)]


@pytest.mark.parametrize(("intent", "text"), _content_cases("tests"))
def test_each_intent_test_sentence_classifies(engine, intent, text):
    match = engine.match(text)
    if intent == NONE_INTENT:
        assert match.status is Status.NO_MATCH, f"{text!r} got {match.best.intent if match.best else None}"
    else:
        assert match.best is not None and match.best.intent == intent, (
            f"{text!r}: {match.status.value}, best {match.best.intent if match.best else None}"
        )


@pytest.mark.parametrize(("intent", "text"), _content_cases("negatives"))
def test_near_misses_do_not_match_their_intent(engine, intent, text):
    best = engine.match(text).best
    assert best is None or best.intent != intent


@pytest.mark.parametrize(
    "text",
    [
        "在吗",
        "在吗?",
        "好的",
        "嗯嗯",
        "谢谢亲",
        "亲",
        "?",
        "/:Q",
        "😊",
        "你好 在不在",
        "有优惠券吗",
        "这个有货吗",
        "包邮吗",
        "l",
        "1",
    ],
)
def test_greetings_fragments_and_presale_get_no_intent(engine, text):
    match = engine.match(text)
    assert match.status is Status.NO_MATCH and match.intents == ()


def test_contract_intents_are_all_present(engine):
    assert set(CONTRACT_INTENTS) <= {i.id for i in engine.catalog.public_intents}


def test_two_problems_in_one_message_returns_both(engine):
    match = engine.match("碎了一个还少了一件")
    assert match.status is Status.MATCHED
    assert {s.intent for s in match.intents} == {"damaged", "missing_item"}
    assert all(s.score >= 0.5 for s in match.intents)


def test_denied_keyword_does_not_count(engine):
    match = engine.match("外包装没破 但是里面少了一件")
    assert [s.intent for s in match.intents] == ["missing_item"]
    damaged = next(s for s in match.ranking if s.intent == "damaged")
    assert all(h.negated for h in damaged.keywords)


def test_a_not_a_question_is_not_a_denial(engine):
    assert engine.match("有没有少件啊 我数着不对").best.intent == "missing_item"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("亲 我买的杯子收到碎了 /:Q😭", "damaged"),
        ("我的快遞怎麼還沒到 物流三天沒更新了", "delivery_chase"),  # 繁體
        ("收到的杯子碎了 快递单号SF1234567890123", "damaged"),  # numbers do not pull towards other intents
        ("显示已签收 但我根本没收到", "lost_parcel"),
        ("不要了 帮我拦截一下", "intercept"),
        ("地址写错了 能改吗", "address_change"),
        ("衣服不喜欢 想退", "seven_day_return"),
        ("发错货了 我要的黑色", "wrong_item"),
    ],
)
def test_typical_messages(engine, text, intent):
    match = engine.match(text)
    assert match.status is Status.MATCHED and match.best.intent == intent


def test_result_explains_itself_with_file_and_line(engine):
    match = engine.match("在吗 杯子碎了")
    best = match.best
    file, line = best.rule.rsplit(":", 1)
    source_line = (PROJECT_ROOT / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert any(h.keyword.text in source_line or h.keyword.canonical in source_line for h in best.keywords)
    assert best.example is not None and best.example.intent == "damaged" and 0 < best.similarity <= 1
    assert match.runner_up is not None and match.runner_up.intent != "damaged"
    assert [s.score for s in match.ranking] == sorted((s.score for s in match.ranking), reverse=True)


def test_matching_is_deterministic(engine):
    first = engine.match("快递三天没动了 帮我催一下")
    assert engine.match("快递三天没动了 帮我催一下") == first


def test_long_message_is_handled(engine):
    text = "客服你好," + "我想说一下情况," * 60 + "快递一直显示在中转站不动了已经五天了"
    assert engine.match(text).best.intent == "delivery_chase"


def test_remembered_reading_is_the_reading(engine):
    # A conversation's earlier turns come back with every later message; they are read once and remembered.
    matcher = engine.matcher
    matcher.forget()
    prepared = matcher.prepare("在吗 快递三天没动了")
    first = matcher.match_prepared(prepared)
    assert matcher.match_prepared(prepared) is first  # remembered, not read again
    assert first == matcher.decide(matcher.measure(prepared))  # and what is remembered is the reading itself
    matcher.forget()
    assert matcher.match_prepared(prepared) is not first and matcher.match_prepared(prepared) == first


def test_remembering_is_bounded(engine):
    from app.core import matcher as module

    engine.matcher.forget()
    for n in range(module._REMEMBERED + 50):
        engine.matcher.prepare(f"订单{n}")
    assert engine.matcher._prepared.cache_info().currsize == module._REMEMBERED
    engine.matcher.forget()
