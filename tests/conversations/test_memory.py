"""The turns the service keeps per conversation, on both databases: bounded in number and in age, per shop."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.conversations import repository as repo
from app.conversations import service as memory
from app.core.clock import SHOP_TZ
from app.core.conversation import Role

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=SHOP_TZ)


def conversation() -> str:
    return f"mem-{uuid.uuid4().hex[:8]}"


def test_recalls_the_newest_turns_oldest_first_and_keeps_at_most_twenty(database):
    talk = conversation()
    with database.unit_of_work() as s:
        for i in range(25):
            memory.remember(s, "shop-m", talk, [(Role.BUYER, f"第{i}条")], NOW + timedelta(seconds=i), hours=24)
    with database.unit_of_work() as s:
        turns = memory.recall(s, "shop-m", talk, NOW + timedelta(minutes=1), hours=24)
        kept = repo.recent(s, "shop-m", talk, NOW - timedelta(days=1), 1000)
    assert [t.text for t in turns] == [f"第{i}条" for i in range(5, 25)]
    assert len(kept) == memory.KEEP  # the older ones are deleted, not just hidden
    assert all(t.role is Role.BUYER for t in turns)


def test_turns_older_than_the_memory_are_not_read_and_are_purged(database):
    talk, other = conversation(), conversation()
    with database.unit_of_work() as s:
        memory.remember(s, "shop-m", talk, [(Role.BUYER, "我的快递")], NOW - timedelta(hours=30), hours=24)
        memory.remember(s, "shop-m", other, [(Role.BUYER, "旧的")], NOW - timedelta(hours=30), hours=24)
    with database.unit_of_work() as s:
        assert memory.recall(s, "shop-m", talk, NOW, hours=24) == []
        assert [t.text for t in memory.recall(s, "shop-m", talk, NOW, hours=48)] == ["我的快递"]
        deleted = repo.purge_before(s, NOW - timedelta(hours=24))
    assert deleted >= 2
    with database.unit_of_work() as s:
        assert repo.recent(s, "shop-m", other, NOW - timedelta(days=10), 10) == []


def test_the_question_the_service_suggested_is_kept_as_the_agents_turn(database):
    talk = conversation()
    with database.unit_of_work() as s:
        memory.remember(s, "shop-m", talk, [(Role.BUYER, "我的快递"), (Role.AGENT, "请问是…还是…?")], NOW, hours=24)
    with database.unit_of_work() as s:
        turns = memory.recall(s, "shop-m", talk, NOW, hours=24)
    assert [(t.role, t.text) for t in turns] == [(Role.BUYER, "我的快递"), (Role.AGENT, "请问是…还是…?")]


def test_one_shops_conversation_is_not_anothers(database):
    talk = conversation()
    with database.unit_of_work() as s:
        memory.remember(s, "shop-a", talk, [(Role.BUYER, "甲店的话")], NOW, hours=24)
    with database.unit_of_work() as s:
        assert memory.recall(s, "shop-b", talk, NOW, hours=24) == []
        assert [t.text for t in memory.recall(s, "shop-a", talk, NOW, hours=24)] == ["甲店的话"]
