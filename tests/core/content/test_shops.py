"""phrasebook/shops/<shop_id>/: a shop rewords or adds scripts; the rest falls back to the shared ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.content import ContentInvalid, load_catalog
from app.settings import PROJECT_ROOT


@pytest.fixture
def root(content_root: Path) -> Path:
    return content_root


def shop_file(root: Path, shop: str, name: str, text: str) -> None:
    folder = root / "phrasebook" / "shops" / shop
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_demo_shop_rewords_one_step_and_keeps_the_rest(normalizer):
    catalog = load_catalog(PROJECT_ROOT, normalizer)
    shop, shared = catalog.flows_for("demo-shop")["damaged"], catalog.flows["damaged"]
    assert shop.entry.text != shared.entry.text and shop.entry.source.file == "phrasebook/shops/demo-shop/damaged.yaml"
    assert shop.entry.evidence == shared.entry.evidence and shop.entry.next == shared.entry.next  # fields not given
    assert shop.branch("box_intact_severe") is shared.branch("box_intact_severe")
    assert catalog.flows_for("another-shop") is catalog.flows


def test_a_shop_can_add_a_branch(root, normalizer):
    shop_file(
        root,
        "s1",
        "damaged.yaml",
        """intent: damaged
branches:
  - id: vip_apology
    name: 会员专属致歉
    when: {message_has: [会员]}
    text: 亲,您是我们的老会员了,这边优先给您处理~
    evidence: []
    actions: [note]
    next: []
    source: 店铺自定
""",
    )
    catalog = load_catalog(root, normalizer)
    assert catalog.flows_for("s1")["damaged"].branch("vip_apology").text.startswith("亲,您是我们的老会员")
    assert catalog.flows["damaged"].branch("vip_apology") is None


@pytest.mark.parametrize(
    ("name", "text", "line", "needle"),
    [
        (
            "damaged.yaml",
            "intent: damaged\nbranches:\n  - id: brand_new\n    text: 亲\n",
            3,
            "missing or invalid field 'name'",
        ),
        (
            "damaged.yaml",
            "intent: damaged\nbranches:\n  - id: ask_evidence\n    actions: [fly]\n",
            4,
            "unknown actions id 'fly'",
        ),
        (
            "damaged.yaml",
            "intent: damaged\nbranches:\n  - id: ask_evidence\n    next: [nowhere]\n",
            3,
            "unknown next branch 'nowhere'",
        ),
        ("teleport.yaml", "intent: teleport\nbranches:\n  - id: a\n    text: 亲\n", 1, "no shared flow to override"),
    ],
)
def test_mistakes_in_a_shop_file_are_reported_there(root, normalizer, name, text, line, needle):
    shop_file(root, "s2", name, text)
    with pytest.raises(ContentInvalid) as caught:
        load_catalog(root, normalizer)
    hits = [e for e in caught.value.errors if needle in e.message]
    assert hits and hits[0].file == f"phrasebook/shops/s2/{name}" and hits[0].line == line


def test_suggestions_use_the_shop_wording(engine):
    shared = engine.suggest("杯子碎了").scripts[0]
    shop = engine.suggest("杯子碎了", shop_id="demo-shop").scripts[0]
    assert shared.script_id == shop.script_id == "damaged.ask_evidence"
    assert shared.text != shop.text and shop.source.startswith("phrasebook/shops/demo-shop/damaged.yaml:")


def test_effective_phrasebook_endpoint(client):
    body = client.get("/v1/phrasebook", params={"shop_id": "demo-shop"}).json()
    by_id = {s["script_id"]: s for s in body["scripts"]}
    assert by_id["damaged.ask_evidence"]["overridden"] is True
    assert by_id["damaged.ask_evidence"]["source"].startswith("phrasebook/shops/demo-shop/damaged.yaml:")
    assert by_id["damaged.box_intact_severe"]["overridden"] is False and "demo-shop" in body["shops"]
    shared = client.get("/v1/phrasebook").json()
    assert not any(s["overridden"] for s in shared["scripts"])


def test_next_steps_are_named_as_the_shop_names_them(root, normalizer):
    """A shared step leads to steps a shop may reword: each shop's suggestion shows its own wording of them."""
    from app.core.engine import build_engine

    shop_file(
        root,
        "s3",
        "damaged.yaml",
        """intent: damaged
branches:
  - id: box_damaged_severe
    name: 本店:外箱压坏,我们找快递
""",
    )
    engine = build_engine(root, normalizer=normalizer)

    def next_names(shop: str | None) -> set[str]:
        script = next(s for s in engine.suggest("杯子碎了", shop_id=shop).scripts if s.intent == "damaged")
        assert script.script_id == "damaged.ask_evidence"
        return {n.name for n in script.next}

    assert "本店:外箱压坏,我们找快递" in next_names("s3")
    assert "外包装严重破损:追究快递责任" in next_names(None)
    assert "本店:外箱压坏,我们找快递" not in next_names(None)


def test_a_shop_may_leave_out_a_branchs_name_but_not_blank_it(root, normalizer):
    shop_file(root, "s3", "damaged.yaml", "intent: damaged\nbranches:\n  - id: ask_evidence\n    name:\n")
    with pytest.raises(ContentInvalid) as caught:
        load_catalog(root, normalizer)
    hits = [e for e in caught.value.errors if "missing or invalid field 'name'" in e.message]
    assert hits and (hits[0].file, hits[0].line) == ("phrasebook/shops/s3/damaged.yaml", 3)
