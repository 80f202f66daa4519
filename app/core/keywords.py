"""Keyword evidence: one alternation regex over every keyword, leftmost-longest, with negation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.content.models import Keyword

# A keyword right after one of these is denied by the buyer ("外包装没破", "不是少件", "不用开发票") and does not
# count, unless the negator is part of an A-not-A question ("有没有少", "是不是少件"), which asks.
_NEGATORS = ("没有", "不是", "不用", "没", "不", "未", "无", "非")


@dataclass(frozen=True, slots=True)
class KeywordHit:
    keyword: Keyword
    start: int
    end: int
    negated: bool


class KeywordIndex:
    def __init__(self, keywords: list[Keyword]) -> None:
        self._by_text = {k.text: k for k in keywords}
        words = sorted(self._by_text, key=lambda w: (-len(w), w))
        # Longest first so that at any position the alternation prefers "碎成渣" over "碎".
        self._pattern = re.compile("|".join(map(re.escape, words))) if words else None

    def find(self, bare: str) -> list[KeywordHit]:
        if self._pattern is None:
            return []
        hits = []
        for m in self._pattern.finditer(bare):
            negated = _negated(bare, m.start())
            hits.append(KeywordHit(self._by_text[m.group()], m.start(), m.end(), negated))
        return hits


def _negated(bare: str, start: int) -> bool:
    for neg in _NEGATORS:
        if bare.endswith(neg, 0, start):
            at = start - len(neg)
            asking = at >= 1 and bare[at - 1] == (neg[1] if len(neg) == 2 else bare[start: start + 1])
            return not asking
    return False
