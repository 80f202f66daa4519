"""The jieba tokenizer, built at start-up with the content's dictionary and an app-owned cache."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

# Particles, greetings and pronouns carry no intent; dropping them keeps "亲在吗" from matching examples
# merely because both start politely.
STOPWORDS = frozenset(
    "亲 亲亲 亲爱 亲爱的 在 在吗 吗 么 嘛 呢 吧 啊 呀 哦 哟 噢 哈 啦 了 的 地 得 着 过 我 你 您 他 她 它 我们 你们 "
    "这 那 这个 那个 一下 请问 你好 您好 客服 老板 掌柜 店家 美女 小姐姐 谢谢 麻烦 就 都 也 还 又 是 有 和 跟 "
    "给 把 被 让 吧 嗯 呃 额 哎 唉 诶 喂 呐 咯 么么哒 哒".split()
)


class Tokenizer:
    """Wraps one private ``jieba.Tokenizer`` (never the global one, so reloads can build a new one beside it)."""

    def __init__(self, words: Iterable[str] = (), cache_dir: Path | None = None) -> None:
        import jieba as _jieba

        _jieba.setLogLevel(logging.WARNING)
        self._jieba: jieba.Tokenizer = _jieba.Tokenizer()
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._jieba.tmp_dir = str(cache_dir)
        self._jieba.initialize()
        self.words = frozenset(words)
        for word in sorted(self.words):
            # A high frequency keeps a content keyword whole even where jieba's own dictionary would split it.
            self._jieba.add_word(word, freq=100_000)

    def tokens(self, normalized: str) -> list[str]:
        """Content tokens of an already normalised text: no spaces, punctuation or stopwords."""
        return [
            t
            for t in self._jieba.lcut(normalized, HMM=False)
            if t.strip() and t not in STOPWORDS and not _is_punct(t)
        ]


def _is_punct(token: str) -> bool:
    return all(not ch.isalnum() for ch in token)
