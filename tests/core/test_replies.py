"""What a buyer's reply does to an open case (app/core/replies.py, phrases in intents/_reading.yaml): evidence
it brings, and a yes to the remedy the case's current step proposed."""

from __future__ import annotations

import pytest

from app.core import replies
from app.core.terms import REMEDIES


def test_every_remedy_has_the_words_that_name_it():
    assert set(replies._NAMED) == set(REMEDIES)


@pytest.mark.parametrize(
    ("message", "proposed", "agreed"),
    [
        ("那就补发吧", {"resend", "refund"}, "resend"),
        ("退款吧", {"resend", "refund"}, "refund"),
        ("好的", {"exchange"}, "exchange"),  # the only remedy offered
        ("好的", {"resend", "refund"}, None),  # a yes, but to which of the two is not said
        ("可以", set(), "-"),  # nothing was offered: a yes to a question is no agreement
        ("退款吧", {"exchange"}, "-"),  # asks for another remedy than the one offered
        ("补发的话要多久", {"resend", "refund"}, "-"),  # a question about it, not a yes
    ],
)
def test_agreement(engine, message, proposed, agreed):
    reply = engine.reply(message, (), frozenset(), frozenset(proposed))
    if agreed == "-":
        assert reply.agreement is None
    else:
        assert reply.agreement is not None and reply.agreement.remedy == agreed


def test_a_picture_or_the_words_bring_the_evidence_asked_for(engine):
    waiting = frozenset({"box_photos", "item_photos", "waybill_photo"})
    assert engine.reply("", ("image",), waiting, frozenset()).evidence == waiting
    assert engine.reply("照片发你了", (), waiting, frozenset()).evidence == waiting
    assert engine.reply("在吗", (), waiting, frozenset()).evidence == frozenset()
