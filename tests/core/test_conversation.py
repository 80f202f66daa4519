"""Reading a message with its conversation (app/core/conversation.py through Engine.triage), on the shipped
content: each context rule, order-state decisions, and "unsure asks and promises nothing"."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from app.core.clock import SHOP_TZ
from app.core.conversation import ReadAs, Role, Turn
from app.core.decision import Status
from app.core.order import Order
from app.core.terms import OrderStatus, Signer

B, A = Role.BUYER, Role.AGENT
T0 = datetime(2026, 12, 7, 10, 0, tzinfo=SHOP_TZ)


def turns(*pairs: tuple[Role, str]) -> list[Turn]:
    return [Turn(role, text) for role, text in pairs]


def test_the_newest_message_is_read_first(engine):
    t = engine.triage("杯子碎了", context=turns((B, "快递三天没动了")))
    assert t.intents == ("damaged",) and t.reading.read_as is ReadAs.NEWEST
    assert t.reading.turns == (1,)


def test_a_fragment_is_read_with_the_burst_before_it(engine):
    alone = engine.triage("三天了")
    assert alone.intents == ()
    t = engine.triage("三天了", context=turns((B, "在吗"), (B, "我的快递")))
    assert t.intents == ("delivery_chase",) and t.reading.read_as is ReadAs.BURST
    assert t.reading.turns == (1, 2)  # the greeting is read past, the fragment before it is kept


def test_greetings_order_cards_and_transfer_requests_are_read_past(engine):
    for skipped in ("在吗", "转人工", "咨询订单号:[订单x] 订单金额:[金额x] 下单时间:[日期x]", "订单业务咨询"):
        assert engine.triage(skipped).match.status is Status.NO_MATCH, skipped
    context = turns((B, "我的快递"), (B, "转人工"), (B, "在吗"))
    t = engine.triage("三天了", context=context)
    assert t.intents == ("delivery_chase",) and t.reading.turns == (0, 3)


def test_an_order_card_beside_the_words_does_not_decide(engine):
    card = "咨询订单号:[订单x] 订单金额:[金额x] 下单时间:[日期x]"
    assert engine.triage(card + " 什么时候可以发货").intents == ("shipping_eta",)
    assert engine.triage(card).intents == ()


def test_the_agent_writing_ends_a_burst(engine):
    context = turns((B, "我的快递"), (A, "亲,请问有什么可以帮您?"))
    assert engine.triage("三天了", context=context).intents == ()


def test_a_long_pause_ends_a_burst(engine):
    context = [Turn(B, "我的快递", T0), Turn(B, "在吗", T0 + timedelta(hours=3))]
    t = engine.triage("三天了", context=[*context, Turn(B, "?", T0 + timedelta(hours=3, minutes=1))])
    assert t.intents == ()


def test_a_short_yes_is_read_against_the_agents_question(engine):
    t = engine.triage("是的", context=turns((B, "那个包裹"), (A, "亲,需要拦截退回对吗?")))
    assert t.intents == ("intercept",) and t.reading.read_as is ReadAs.ANSWER
    assert engine.triage("是的").intents == ()  # alone it says nothing
    # A statement, not a question: nothing to say yes to.
    assert engine.triage("是的", context=turns((A, "亲,已经帮您拦截了"))).intents == ()
    # A question that names no request with a keyword (checking details for a pickup) is not the buyer's request,
    # even when it resembles an example ("电话地址对吗" looks like address_change).
    assert engine.triage("电话地址对吗").intents == ("address_change",)
    assert engine.triage("对的", context=turns((A, "电话地址对吗"))).intents == ()
    assert engine.triage("对的", context=turns((A, "是要修改地址吗?"))).intents == ("address_change",)


def test_a_no_says_no(engine):
    assert engine.triage("不用了", context=turns((A, "亲,需要拦截退回对吗?"))).intents == ()


def test_an_answer_to_our_own_question_chooses_between_its_intents(engine):
    q = engine.catalog.clarify.question(("delivery_chase", "lost_parcel"))
    assert set(q.intents) == {"delivery_chase", "lost_parcel"}
    asked = turns((A, q.text))
    signed = engine.triage("显示签收了", context=asked)
    assert signed.intents == ("lost_parcel",) and signed.reading.read_as is ReadAs.CHOICE
    stuck = engine.triage("一直没更新", context=asked)
    assert stuck.intents == ("delivery_chase",) and stuck.reading.read_as is ReadAs.CHOICE


def test_a_yes_to_our_confirming_question_confirms_it(engine):
    q = engine.catalog.clarify.confirm["damaged"]
    t = engine.triage("对的", context=turns((A, "您好~" + q.text)))  # the agent may add words around it
    assert t.intents == ("damaged",) and t.reading.read_as is ReadAs.ANSWER


def test_a_self_correction_never_triggers_the_problem_it_mentions(engine):
    for message in ("发错了 是L码", "不好意思发错了 应该是这个", "发错了"):
        assert "wrong_item" not in engine.triage(message).intents, message
    assert engine.triage("发错了 是蓝色的 我要红色").intents == ("wrong_item",)  # the shop sent the wrong one


@pytest.mark.parametrize(
    ("message", "denied"),
    [
        ("不是破损 是少了一件", "damaged"),
        ("不要拦截了", "intercept"),
        ("不需要开发票", "invoice"),
        ("不用催了 已经收到了", "delivery_chase"),
    ],
)
def test_a_negated_or_cancelled_problem_is_not_triggered(engine, message, denied):
    t = engine.triage(message)
    assert denied not in t.intents and denied not in {s.intent for s in t.match.intents}
    if message.startswith("不是破损"):
        assert t.intents == ("missing_item",)


@pytest.mark.parametrize(
    ("message", "status", "signer", "intent"),
    [
        ("我的快递什么时候能到", OrderStatus.AWAITING_SHIPMENT, None, "shipping_eta"),
        ("什么时候能到", OrderStatus.IN_TRANSIT, None, "delivery_chase"),
        ("什么时候能到", OrderStatus.SIGNED, Signer.SELF, "lost_parcel"),
        ("不要了 别发了", OrderStatus.AWAITING_SHIPMENT, None, "cancel_order"),
        ("不要了 别发了", OrderStatus.IN_TRANSIT, None, "intercept"),
        ("不要了 别发了", OrderStatus.SIGNED, Signer.SELF, "seven_day_return"),
        ("不要了 别发了", OrderStatus.SIGNED, Signer.PROXY, "intercept"),  # a proxy's parcel can still go back
        ("我要取消订单", OrderStatus.IN_TRANSIT, None, "intercept"),
        ("能退货吗", OrderStatus.AWAITING_SHIPMENT, None, "cancel_order"),
    ],
)
def test_the_order_state_decides_where_the_words_cannot(engine, message, status, signer, intent):
    t = engine.triage(message, order=Order(status=status, signed_by=signer))
    assert t.intents == (intent,)
    said = engine.triage(message).intents
    if said != (intent,):
        assert t.redirected[intent][0] in said  # the words' own intent, and the rule that turned it
        assert t.redirected[intent][1].source.file.startswith("intents/")


def test_two_candidates_one_order_state_turns_into_one_are_no_longer_a_question(engine):
    words = engine.triage("快递到哪了 显示已签收")
    assert words.intents == ("lost_parcel",)  # 催件 gives way to the 丢件 it names (yields_to)
    chase = next(s for s in words.match.ranking if s.intent == "delivery_chase")
    unsure = replace(words.match, status=Status.AMBIGUOUS, intents=(chase, words.match.intents[0]))
    decided, redirected = engine._by_order_state(unsure, Order(status=OrderStatus.SIGNED))
    assert decided.status is Status.MATCHED and [s.intent for s in decided.intents] == ["lost_parcel"]
    assert redirected["lost_parcel"][0] == "delivery_chase"


def test_the_order_state_said_in_the_conversation_decides_too(engine):
    said = turns((B, "我的快递什么时候能到"), (A, "亲,您的订单还没有发货哦,仓库正在备货"))
    assert engine.triage("什么时候能到啊", context=said[:1]).intents == ("delivery_chase",)
    assert engine.triage("那什么时候能到啊", context=said).intents == ("shipping_eta",)
    # The agent asking is not the agent saying: a question names the states it asks about.
    asked = turns((A, "亲,请问是已经签收了吗?"))
    assert engine.triage("我的快递什么时候能到", context=asked).intents == ("delivery_chase",)
    assert engine.triage("已经发货了 我要取消订单").intents == ("intercept",)


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("这单一直没货 我想申请退款", "cancel_order"),  # out of stock: not shipped, so a refund is a cancellation
        ("刚下单的 什么时候能到", "shipping_eta"),  # just ordered: not shipped yet
        ("刚刚付的款 可以退款吗", "cancel_order"),
    ],
)
def test_out_of_stock_or_just_ordered_says_the_order_has_not_shipped(engine, message, intent):
    assert engine.triage(message).intents == (intent,)
    assert engine.triage("有没有货 我想申请退款").intents != ("cancel_order",)  # a pre-sale question says nothing


def test_a_general_request_after_a_specific_one_is_the_specific_one(engine):
    t = engine.triage("能退货吗", context=turns((B, "衣服收到了 穿着不合适")))
    assert t.intents == ("seven_day_return",) and t.redirected["seven_day_return"][0] == "return_request"
    assert engine.triage("能退货吗").intents == ("return_request",)


def test_a_general_request_gives_way_to_the_specific_one(engine):
    assert engine.triage("不合适 我要退货").intents == ("seven_day_return",)
    assert engine.triage("我要退货").intents == ("return_request",)


@pytest.mark.parametrize(
    "message",
    ["我的快递", "那个东西", "怎么回事啊", "在吗 我想问一下"],
)
def test_unsure_answers_no_intent(engine, message):
    assert engine.triage(message).intents == ()


def test_ambiguous_asks_the_pairs_question_and_promises_nothing(engine):
    found = 0
    for message in ("收到的东西坏了", "还没收到", "东西少了还是发错了", "什么时候到", "退款怎么还没到 退回去的货"):
        s = engine.suggest(message)
        if s.match.status is not Status.AMBIGUOUS:
            continue
        found += 1
        question = s.triage.question
        assert s.scripts == () and question is not None
        assert not any(w in question.text for w in ("给您补发", "给您退款", "马上退款", "给您补偿"))
        candidates = {x.intent for x in s.match.intents}
        assert set(question.intents) <= candidates
    assert found >= 1


def test_the_agent_may_choose_the_intent(engine):
    t = engine.triage("那个东西", chosen="missing_item")
    assert t.intents == ("missing_item",) and t.reading.read_as is ReadAs.CHOSEN
    assert engine.suggest("那个东西").scripts == ()


def test_an_open_case_continues_when_the_message_names_no_new_problem(engine):
    t = engine.triage("照片发你了", continuing="damaged")
    assert t.intents == ("damaged",) and t.reading.read_as is ReadAs.CONTINUED
    assert [s.intent for s in t.match.intents] == ["damaged"]  # the intent shown is the one answered
    assert engine.triage("还有 物流三天不动了", continuing="damaged").intents == ("delivery_chase",)


def test_mid_conversation_a_look_alike_without_a_keyword_asks_instead_of_opening_a_new_problem(engine):
    message = "我家的地址在城东"  # resembles an address_change example; no keyword of its own
    assert engine.triage(message).intents == ("address_change",)  # alone, the example is close enough
    earlier = turns((B, "我想开个发票"), (A, "好的亲"))
    t = engine.triage(message, context=earlier)
    assert t.intents == () and t.match.status is Status.AMBIGUOUS
    assert t.question is not None and "address_change" in t.question.intents
    # the same words go on with the problem the buyer named before; a keyword of its own is a new problem
    assert engine.triage(message, context=turns((B, "收货地址写错了"), (A, "好的"))).intents == ("address_change",)
    assert engine.triage("想改一下收货地址", context=earlier).intents == ("address_change",)
    # an agent's words name nothing for the buyer
    assert engine.triage(message, context=turns((A, "发票已经开好了"))).intents == ("address_change",)


def test_a_message_that_only_says_the_state_decides_the_request_before_it(engine):
    assert engine.triage("还没发货呢").intents == ("shipping_eta",)  # alone, it asks about shipping
    t = engine.triage("还没发货呢", context=turns((B, "我要退款"), (A, "亲,请问是什么原因呢")))
    assert t.intents == ("cancel_order",) and t.reading.read_as is ReadAs.BURST and t.reading.turns == (0, 2)
    assert engine.triage("已经发货了", context=turns((B, "我要退款"))).intents == ("intercept",)
    # words of its own beside the state are read as they are
    assert engine.triage("还没发货 什么时候发", context=turns((B, "我要退款"))).intents == ("shipping_eta",)
    # a request the state does not move is not re-read
    assert engine.triage("已经签收了", context=turns((B, "杯子碎了"))).reading.read_as is ReadAs.NEWEST
