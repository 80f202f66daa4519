"""The decision rules (matched / ambiguous / no match) on a tiny synthetic catalog, so each rule is
exercised on purpose rather than by whatever the shipped content happens to contain."""

from __future__ import annotations

import shutil

import pytest

from app.core.engine import build_engine
from app.core.matcher import MatcherConfig, Status
from app.settings import PROJECT_ROOT, Settings

INTENT = """id: {id}
name: {name}
keywords:
{keywords}
examples:
{examples}
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, normalizer):
    root = tmp_path_factory.mktemp("tiny")
    shutil.copytree(PROJECT_ROOT / "phrasebook", root / "phrasebook")
    shutil.copytree(PROJECT_ROOT / "policy", root / "policy")
    (root / "intents").mkdir()
    shared = ["包裹的事情", "包裹怎么回事", "包裹问题"]  # the same words under two intents: truly ambiguous
    for intent in (
        "damaged",
        "missing_item",
        "wrong_item",
        "delivery_chase",
        "address_change",
        "intercept",
        "lost_parcel",
        "seven_day_return",
    ):
        examples = [f"{intent} 专属例句 {n}" for n in range(3)]
        if intent in ("damaged", "missing_item"):
            examples += [e + ("呀" if intent == "damaged" else "啊") for e in shared]
        kws = {"damaged": "  碎了: []", "missing_item": "  少了一件: []"}.get(intent, "  " + intent + "关键: []")
        (root / "intents" / f"{intent}.yaml").write_text(
            INTENT.format(id=intent, name=intent, keywords=kws, examples="\n".join(f"  - {e}" for e in examples)),
            encoding="utf-8",
        )
    for flow in (root / "phrasebook").glob("*.yaml"):
        if flow.stem not in {p.stem for p in (root / "intents").glob("*.yaml")} and flow.stem != "vocabulary":
            flow.unlink()
    (root / "intents" / "_none.yaml").write_text(
        INTENT.format(id="_none", name="无", keywords="  在吗: []", examples="  - 在吗\n  - 你好\n  - 谢谢"),
        encoding="utf-8",
    )
    # The rules under a stated configuration: the shipped thresholds are fitted to the shipped content,
    # which a three-example catalog is not.
    return build_engine(
        root, Settings().cache_dir, config=MatcherConfig(none_prior=0.0, keyword_boost=4.0), normalizer=normalizer
    )


def test_keyword_alone_matches(tiny):
    match = tiny.match("碎了")
    assert match.status is Status.MATCHED and match.best.intent == "damaged"


def test_even_split_is_ambiguous_with_both_candidates(tiny):
    match = tiny.match("包裹的事情")
    assert match.status is Status.AMBIGUOUS
    assert {s.intent for s in match.intents} == {"damaged", "missing_item"}


def test_no_intent_class_wins_gives_no_match(tiny):
    match = tiny.match("在吗")
    assert match.status is Status.NO_MATCH and match.intents == () and match.runner_up is not None


def test_unrelated_text_gives_no_match(tiny):
    assert tiny.match("今天天气不错").status is Status.NO_MATCH


def test_two_keywords_at_two_places_give_two_intents(tiny):
    match = tiny.match("碎了 还少了一件")
    assert match.status is Status.MATCHED and {s.intent for s in match.intents} == {"damaged", "missing_item"}


def test_higher_confidence_bar_turns_a_match_silent(tiny):
    ev = tiny.matcher.evidence("包裹的事情")
    strict = MatcherConfig(min_confidence=0.99)
    assert tiny.matcher.decide(ev, strict).status is not Status.MATCHED
