"""The parsed-content cache: a hit is exactly a fresh parse, any change parses again, a bad entry is a miss, and
errors always come from a real parse with their file:line."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from app.core.content import ContentInvalid
from app.core.content import cache as content_cache
from app.core.content.cache import FOLDER, content_key, load_content
from app.core.content.policy import Policies
from app.core.normalize import Normalizer


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def no_parsing(monkeypatch):  # type: ignore[no-untyped-def]
    """Makes any parse fail the test: what is loaded now must come from the cache."""

    def fail(*_args):  # type: ignore[no-untyped-def]
        raise AssertionError("parsed, but the cache should have answered")

    return lambda: monkeypatch.setattr(content_cache, "_parse", fail)


def entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / FOLDER).glob("*.pickle"))


def same_policies(a: Policies, b: Policies) -> bool:
    return a.default == b.default and a.shops == b.shops and all(a.for_shop(s) == b.for_shop(s) for s in a.shops)


def test_a_hit_is_exactly_what_a_fresh_parse_gives(content_root, cache_dir, normalizer, no_parsing):
    fresh_catalog, fresh_policies = load_content(content_root, normalizer)  # no cache_dir: parsed, nothing stored
    assert not (cache_dir / FOLDER).exists()
    first = load_content(content_root, normalizer, cache_dir)  # parsed and stored
    assert len(entries(cache_dir)) == 1
    no_parsing()
    catalog, policies = load_content(content_root, normalizer, cache_dir)
    assert catalog == fresh_catalog == first[0]
    assert catalog.version == fresh_catalog.version and catalog.warnings == fresh_catalog.warnings
    assert same_policies(policies, fresh_policies)
    assert catalog.flows_for("demo-shop") == fresh_catalog.flows_for("demo-shop")
    assert type(catalog.intents) is type(fresh_catalog.intents)  # still read-only mappings
    shop, shared = catalog.flows_for("demo-shop")["damaged"], catalog.flows["damaged"]
    assert shop.branch("box_intact_severe") is shared.branch("box_intact_severe")  # shared objects stay shared


def test_an_edited_file_is_parsed_again(content_root, cache_dir, normalizer):
    before, _ = load_content(content_root, normalizer, cache_dir)
    intent = content_root / "intents" / "damaged.yaml"
    intent.write_text(
        intent.read_text(encoding="utf-8").replace("examples:\n", "examples:\n  - 新加的一句 杯子摔坏了\n", 1),
        encoding="utf-8",
    )
    after, _ = load_content(content_root, normalizer, cache_dir)
    assert after.version != before.version
    assert "新加的一句 杯子摔坏了" in [e.text for e in after.intents["damaged"].examples]
    assert after == load_content(content_root, normalizer)[0]
    assert len(entries(cache_dir)) == 2


def test_a_policy_edit_or_a_new_folder_is_seen(content_root, cache_dir, normalizer):
    load_content(content_root, normalizer, cache_dir)
    key = content_key(content_root, normalizer)
    policy = content_root / "policy" / "default.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert content_key(content_root, normalizer) not in (None, key)
    load_content(content_root, normalizer, cache_dir)
    (content_root / "phrasebook" / "shops" / "bad name!").mkdir(parents=True)  # no file in it: the folder counts
    with pytest.raises(ContentInvalid) as caught:
        load_content(content_root, normalizer, cache_dir)
    assert any("shop folder name" in str(e) for e in caught.value.errors)


@pytest.mark.parametrize("damage", [b"", b"not a pickle at all", "truncated", "planted", "other type"])
def test_a_damaged_entry_is_ignored_and_replaced(content_root, cache_dir, normalizer, damage, tmp_path):
    expected, _ = load_content(content_root, normalizer, cache_dir)
    [entry] = entries(cache_dir)
    good = entry.read_bytes()
    if damage == "truncated":
        damage = good[: len(good) // 2]
    elif damage == "planted":  # would create a file if unpickling ran it
        damage = pickle.dumps(Planted(str(tmp_path / "pwned")))
    elif damage == "other type":
        damage = pickle.dumps(("a", "b"))
    entry.write_bytes(damage)
    catalog, _ = load_content(content_root, normalizer, cache_dir)
    assert catalog == expected
    assert not (tmp_path / "pwned").exists()
    assert entry.read_bytes() == good  # parsed again and stored again


class Planted:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (Path(self.path),))


def test_an_unusable_cache_folder_only_costs_time(content_root, tmp_path, normalizer):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    catalog, _ = load_content(content_root, normalizer, blocked)
    assert catalog == load_content(content_root, normalizer)[0]


def test_errors_come_from_a_real_parse_with_file_and_line(content_root, cache_dir, normalizer):
    load_content(content_root, normalizer, cache_dir)
    stored = entries(cache_dir)
    flow = content_root / "phrasebook" / "damaged.yaml"
    text = flow.read_text(encoding="utf-8")
    flow.write_text(text.replace("actions: [note]", "actions: [nope]", 1), encoding="utf-8")
    policy = content_root / "policy" / "default.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("agent_max:", "agent_maxx:", 1), encoding="utf-8")
    line = next(n for n, row in enumerate(flow.read_text(encoding="utf-8").splitlines(), 1) if "nope" in row)
    for _ in range(2):  # and again: a broken version is never stored
        with pytest.raises(ContentInvalid) as caught:
            load_content(content_root, normalizer, cache_dir)
        found = [str(e) for e in caught.value.errors]
        assert any(e.startswith(f"phrasebook/damaged.yaml:{line}:") and "nope" in e for e in found)
        assert any(e.startswith("policy/default.yaml:") and "agent_maxx" in e for e in found)  # both files, one report
        assert entries(cache_dir) == stored
    flow.write_text(text, encoding="utf-8")  # fixed, the policy still broken
    with pytest.raises(ContentInvalid):
        load_content(content_root, normalizer, cache_dir)


def test_a_normaliser_of_ones_own_is_never_cached(content_root, cache_dir):
    class Upper:
        def convert(self, text: str) -> str:
            return text

    assert content_key(content_root, Normalizer(Upper())) is None
    load_content(content_root, Normalizer(Upper()), cache_dir)
    assert entries(cache_dir) == []


def test_old_entries_are_pruned(content_root, cache_dir, normalizer, monkeypatch):
    monkeypatch.setattr(content_cache, "KEEP", 2)
    intent = content_root / "intents" / "damaged.yaml"
    for n in range(4):
        intent.write_text(intent.read_text(encoding="utf-8") + f"# edit {n}\n", encoding="utf-8")
        load_content(content_root, normalizer, cache_dir)
    assert len(entries(cache_dir)) == 2
    assert cache_dir / FOLDER / f"{content_key(content_root, normalizer)}.pickle" in entries(cache_dir)


def test_the_key_covers_all_the_code_an_entry_depends_on():
    """A change to the format, the models or the words they use must miss every old entry."""
    import importlib
    import re

    keyed = {p.resolve() for p in content_cache._CODE}
    for module in content_cache._MODULES:
        assert Path(importlib.import_module(module).__file__).resolve() in keyed, module
    for source in Path(content_cache.__file__).parent.glob("*.py"):
        for module in re.findall(r"^from (app\.core\.[\w.]+) import", source.read_text(encoding="utf-8"), re.M):
            assert Path(importlib.import_module(module).__file__).resolve() in keyed, (source.name, module)
