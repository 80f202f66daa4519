"""The jieba tokenizer, built at start-up with the content's dictionary and an app-owned cache."""

from __future__ import annotations

import logging
import math
import re
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


# jieba 0.42.1's own patterns (jieba/__init__.py): blocks it segments, separators it keeps, and the
# single letters and digits it glues back together.
_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_SKIP = re.compile(r"(\r\n|\s)")
_ENG = re.compile("[a-zA-Z0-9]")
_UNSEEN = math.nan  # a default only ever compared by identity: absent from the memo


class Tokenizer:
    """Wraps one private ``jieba.Tokenizer`` (never the global one, so reloads can build a new one beside it)."""

    def __init__(self, words: Iterable[str] = (), cache_dir: Path | None = None) -> None:
        import marshal
        import sys

        if "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
            # jieba imports pkg_resources only to open its own files, which it does as well without it; importing
            # pkg_resources scans every installed distribution, 0.1 s of each start.
            # None in sys.modules makes an import fail fast (documented), which typeshed's ModuleType cannot say.
            sys.modules["pkg_resources"] = None  # type: ignore[assignment]
            try:
                import jieba as _jieba
            finally:
                del sys.modules["pkg_resources"]
        import jieba as _jieba

        _jieba.setLogLevel(logging.WARNING)
        self._jieba: jieba.Tokenizer = _jieba.Tokenizer()
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._jieba.tmp_dir = str(cache_dir)
            try:  # jieba's marshal.load(file) reads its 9 MB cache in small pieces: from bytes it takes 0.3 s less
                self._jieba.FREQ, self._jieba.total = marshal.loads((cache_dir / "jieba.cache").read_bytes())
                self._jieba.initialized = True
            except (OSError, EOFError, ValueError, TypeError):
                pass  # none yet, or damaged: initialize() builds it from the dictionary, as jieba does
        self._jieba.initialize()
        self.words = frozenset(words)
        for word in sorted(self.words):
            # A high frequency keeps a content keyword whole even where jieba's own dictionary would split it.
            self._jieba.add_word(word, freq=100_000)

        self._freq = self._jieba.FREQ
        self._logtotal = math.log(self._jieba.total)
        self._logp: dict[str, float | None] = {}

    def tokens(self, normalized: str) -> list[str]:
        """Content tokens of an already normalised text: no spaces, punctuation or stopwords."""
        return [t for t in self.cut(normalized) if t not in STOPWORDS and any(map(str.isalnum, t))]

    def cut(self, text: str) -> list[str]:
        """Exactly ``jieba.Tokenizer.cut(text, HMM=False)`` (a test holds it to that), at about a third of
        the cost: jieba builds a DAG dict, then a route dict, then walks a generator per block; this
        builds the best route in one backward pass over a list. It runs for every message."""
        out: list[str] = []
        for block in _HAN.split(text):
            if not block:
                continue
            if _HAN.fullmatch(block):
                out.extend(self._cut_block(block))
            else:
                for part in _SKIP.split(block):
                    if _SKIP.fullmatch(part):
                        out.append(part)
                    else:
                        out.extend(part)
        return out

    def _cut_block(self, block: str) -> list[str]:
        freq, logp, n = self._freq, self._logp, len(block)
        # route[k] = (best log-probability of block[k:], end of its first word), as jieba's calc().
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for k in range(n - 1, -1, -1):
            best: tuple[float, int] | None = None
            i, frag = k, block[k]
            while True:  # every prefix of a dictionary word is in FREQ (with 0 when not a word)
                p = logp.get(frag, _UNSEEN)
                if p is _UNSEEN:
                    if frag not in freq:
                        break
                    count = freq[frag]
                    # Remembered per fragment (jieba's own arithmetic, so the same floats): log() per
                    # candidate word was a third of the cost. At most one entry per dictionary word.
                    p = logp[frag] = math.log(count) - self._logtotal if count else None
                if p is not None:
                    candidate = (p + route[i + 1][0], i)
                    if best is None or candidate > best:
                        best = candidate
                i += 1
                if i >= n:
                    break
                frag = block[k : i + 1]
            if best is None:
                best = (math.log(freq.get(block[k]) or 1) - self._logtotal + route[k + 1][0], k)
            route[k] = best
        words, glued, x = [], "", 0
        while x < n:
            y = route[x][1] + 1
            word = block[x:y]
            if len(word) == 1 and _ENG.match(word):
                glued += word
            else:
                if glued:
                    words.append(glued)
                    glued = ""
                words.append(word)
            x = y
        if glued:
            words.append(glued)
        return words
