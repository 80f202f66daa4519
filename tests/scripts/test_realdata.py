"""The real development set: labels and pointers only, never a reserved line, and a rebuild that checks them.

CI has no copy of the public corpora, so these tests read only what is committed (tests/data/real/) and, when the
steering folder is beside the checkout, the shared reserved list it was copied from.
"""

from __future__ import annotations

import re

import pytest

from scripts import realdata

LABELS = frozenset(
    {
        "damaged",
        "missing_item",
        "wrong_item",
        "delivery_chase",
        "address_change",
        "intercept",
        "lost_parcel",
        "seven_day_return",
        "return_request",
        "exchange",
        "cancel_order",
        "refund_after_return",
        "refund_progress",
        "repair",
        "price_protection",
        "policy_question",
        "quality_issue",
        "fake_goods",
        "invoice",
        "shipping_eta",
        "complaint",
        "other",
        "none",
        "SKIP",
        "AGENT",
    }
)


@pytest.fixture(scope="module")
def labels() -> list[realdata.Label]:
    return realdata.read_labels()


def test_the_committed_reserved_copy_is_the_shared_list():
    committed = realdata.RESERVED.read_text(encoding="utf-8")
    assert committed.startswith("# Reserved lines")
    if realdata.SHARED_RESERVED.exists():  # beside the checkout in development; CI checks the copy alone
        from_shared = realdata.reserved_lines()
        original = realdata.SHARED_RESERVED
        try:
            realdata.SHARED_RESERVED = original.with_name("absent")
            from_copy = realdata.reserved_lines()
        finally:
            realdata.SHARED_RESERVED = original
        assert from_copy == from_shared


def test_no_label_points_at_a_reserved_line(labels):
    assert len(labels) >= 2000
    assert realdata.check(labels, None) == []


def test_labels_are_known_and_splits_follow_the_session_hash(labels):
    assert {lab.label for lab in labels} <= LABELS
    for lab in labels:
        corpus = next(
            c for c in ("jddc-chat", "jddc-dev", "jddc-test", "jddc-window", "taobao-ecd") if _corpus(lab) == c
        )
        assert lab.split == realdata.split_of(corpus, lab.session), lab
        assert re.fullmatch(r"[0-9a-f]{12}", lab.sha1)
        assert not (lab.needs_context and lab.label in ("none", "other", "SKIP", "AGENT"))


def test_every_split_holds_requests_of_the_eight_and_the_rest(labels):
    # The public logs are JD's platform service: 破损 and 错发 are rare there (8 and 3 turns in 6,944
    # conversations), so they are measured on the shipped held-out set; every split still holds hundreds of
    # turns of the eight, the other intents, "other" and "none".
    eight = {
        "damaged",
        "missing_item",
        "wrong_item",
        "delivery_chase",
        "address_change",
        "intercept",
        "lost_parcel",
        "seven_day_return",
    }
    assert {lab.label for lab in labels} >= eight
    for split, least in (("train", 300), ("dev", 100), ("test", 100)):
        mine = [lab for lab in labels if lab.split == split]
        assert sum(lab.label in eight for lab in mine) >= least, split
        present = {lab.label for lab in mine}
        assert {"delivery_chase", "address_change", "intercept", "lost_parcel", "none", "other"} <= present


def _corpus(lab: realdata.Label) -> str:
    if lab.path.endswith("chat_0.1per.txt"):
        return "jddc-chat"
    if lab.path.endswith(".csv"):
        return f"jddc-{lab.path.rsplit('/', 1)[-1].removesuffix('.csv')}"
    if lab.path.endswith(".enc"):
        return "jddc-window"
    return "taobao-ecd"


def test_the_parsers_keep_every_pointer_and_cut_messages_as_documented():
    chat = "s1\tu\t0\t0\t0\tnan\t在吗\ns1\tu\t1\t0\t0\tnan\t您好\ns2\tu\t0\t0\t0\tnan\t杯子碎了\n"
    sessions = list(realdata.parse_chat(chat, "r", "data/chat_0.1per.txt"))
    assert [(s.id, [(t.role, t.text, t.line) for t in s.turns]) for s in sessions] == [
        ("s1", [("buyer", "在吗", 1), ("agent", "您好", 2)]),
        ("s2", [("buyer", "杯子碎了", 3)]),
    ]
    table = 'session_id,custom,assistance\n7,"好的[SEP]NULL[SEP]地址错了","可以改!@@@!发我[SEP]别的"\n'
    (s,) = realdata.parse_csv(table, "r", "data/dev.csv")
    assert [(t.role, t.text, t.line, t.index) for t in s.turns] == [
        ("buyer", "好的", 2, 0),
        ("buyer", "地址错了", 2, 2),
        ("agent", "可以改", 2, 100),
        ("agent", "发我", 2, 101),
    ]
    (w,) = realdata.parse_windows("在吗,您好,杯子碎了,\n", "r", "data/train.enc")
    assert [(t.role, t.text, t.index) for t in w.turns] == [
        ("unknown", "在吗", 0),
        ("unknown", "您好", 1),
        ("unknown", "杯子碎了", 2),
    ]
    ecd = "1\t亲 在\t您好\t快递 发 哪家\t韵达\n0\t亲 在\t您好\t快递 发 哪家\t别的\n"
    (e,) = realdata.parse_ecd(ecd, "r", "ECD_sample/train")
    assert [(t.role, realdata.readable(t.text), t.index) for t in e.turns] == [
        ("buyer", "亲在", 1),
        ("agent", "您好", 2),
        ("buyer", "快递发哪家", 3),
    ]
    assert realdata.sha1("杯子碎了") == "1e43ae52f3d6"  # the first 12 hex digits of sha1 over the UTF-8 text
