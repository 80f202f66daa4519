"""scripts/identity.py, run as a user runs it on the held-out set: one answer per message, and the same answers
whether the engine is built from the content files (cold) or from the parsed-content and tokenizer caches (warm)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.settings import PROJECT_ROOT
from scripts.evaluate import read_tsv
from scripts.identity import HELDOUT, answer


def _dump(out: Path, cache: Path) -> list[str]:
    subprocess.run(
        [sys.executable, "scripts/identity.py", "--out", str(out), "--cache-dir", str(cache)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return out.read_text(encoding="utf-8").splitlines()


def test_identity_dump_is_the_same_cold_and_warm(tmp_path, engine):
    cache = tmp_path / "cache"
    cold = _dump(tmp_path / "cold.txt", cache)
    assert (cache / "jieba.cache").exists()  # the second run reads what the first one wrote
    warm = _dump(tmp_path / "warm.txt", cache)
    items = read_tsv(HELDOUT)
    assert len(cold) == len(items)
    assert cold == warm
    # The dump says what the engine answers in this process too (the same content, the same code).
    for item, line in list(zip(items, cold, strict=True))[:50]:
        assert line == f"{item.source}\t{answer(engine, item.text)}"
    statuses = {line.split("\t")[1] for line in cold}
    assert statuses == {"matched", "ambiguous", "no_match"}
