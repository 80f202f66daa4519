"""The Tokenizer reads jieba's dictionary cache itself (faster than jieba does); the dictionary is the same,
and a missing or damaged cache is rebuilt by jieba as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import jieba
import pytest

from app.core.tokenize import Tokenizer

WORDS = ["揽收超时", "七天无理由"]
TEXT = "我想七天无理由退货 物流显示揽收超时了"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Tokenizer:
    """Built with no cache: jieba makes the dictionary from its source and writes the cache."""
    return Tokenizer(WORDS, tmp_path_factory.mktemp("jieba"))


def test_the_cache_gives_jiebas_own_dictionary(built, tmp_path, monkeypatch):
    shutil.copy(Path(built._jieba.tmp_dir) / "jieba.cache", tmp_path)
    monkeypatch.setattr(jieba.Tokenizer, "gen_pfdict", lambda *_: pytest.fail("rebuilt although cached"))
    cached = Tokenizer(WORDS, tmp_path)
    assert cached._jieba.FREQ == built._jieba.FREQ and cached._jieba.total == built._jieba.total
    assert cached.tokens(TEXT) == built.tokens(TEXT)


@pytest.mark.parametrize("damage", [b"\x00garbage", "truncated"])
def test_a_damaged_cache_is_rebuilt(built, tmp_path, damage):
    good = (Path(built._jieba.tmp_dir) / "jieba.cache").read_bytes()
    (tmp_path / "jieba.cache").write_bytes(good[:1000] if damage == "truncated" else damage)
    again = Tokenizer(WORDS, tmp_path)
    assert again._jieba.FREQ == built._jieba.FREQ and again.tokens(TEXT) == built.tokens(TEXT)
    assert (tmp_path / "jieba.cache").read_bytes() == good  # written again
