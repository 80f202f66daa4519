"""Keyword evidence: an Aho-Corasick automaton over every keyword, leftmost-longest, with negation.

One pass over the message whatever the number of keywords (a regex alternation of 1,500 words cost
~130 µs on a 100-character message; the automaton costs a few). A gapped keyword ("什么时候~发货") is its
parts in order with at most ``GAP_CHARS`` characters between each: buyers put words in the middle of a
phrase ("什么时候可以发货", "今天下午能到吗") that one fixed string cannot follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick

from app.core.content.models import Keyword

GAP = "~"
GAP_CHARS = 4
# A keyword right after one of these is denied by the buyer ("外包装没破", "不是少件", "不用开发票", "不要拦截了")
# and does not count, unless the negator is part of an A-not-A question ("有没有少", "是不是少件",
# "要不要拦截"), which asks. Longest first: "不需要" before "不要" before "不".
_NEGATORS = (
    "不要给我",
    "别给我",
    "不需要",
    "没有",
    "不是",
    "不用",
    "不要",
    "不想",
    "无需",
    "不必",
    "可别",
    "别再",
    "没",
    "不",
    "未",
    "无",
    "非",
)


@dataclass(frozen=True, slots=True)
class KeywordHit:
    keyword: Keyword
    start: int
    end: int
    negated: bool


class KeywordIndex:
    def __init__(self, keywords: list[Keyword]) -> None:
        self._automaton = ahocorasick.Automaton()
        self._heads = ahocorasick.Automaton()  # the first part of each gapped keyword
        plain = [k for k in keywords if GAP not in k.text]
        gapped: dict[str, list[tuple[Keyword, tuple[str, ...]]]] = {}
        for k in keywords:
            if GAP in k.text:
                parts = tuple(k.text.split(GAP))
                gapped.setdefault(parts[0], []).append((k, parts))
        for k in plain:
            self._automaton.add_word(k.text, k)
        for head, entries in gapped.items():
            self._heads.add_word(head, tuple(entries))
        self._plain = bool(plain)
        self._gapped = bool(gapped)
        if plain:
            self._automaton.make_automaton()
        if gapped:
            self._heads.make_automaton()

    def find(self, bare: str) -> list[KeywordHit]:
        # Every match, then leftmost-longest without overlap chosen here: the automaton's own iter_long drops
        # a keyword that a longer one shares a start with and then fails ("申请退款" in "帮我申请退款" when
        # "我申请退款了" is also a keyword).
        spans = (
            [(end + 1 - len(k.text), end + 1, k, False) for end, k in self._automaton.iter(bare)] if self._plain else []
        )
        if self._gapped:
            spans.extend(self._gapped_spans(bare))
        # Leftmost; then the most characters of the keyword itself, then the tightest span: of two phrases from
        # one word ("啥时候~送到", "啥时候~发货"), the one written closest together is the one meant.
        spans.sort(key=lambda s: (s[0], -len(s[2].text.replace(GAP, "")), s[1] - s[0]))
        kept: list[tuple[int, int, Keyword, bool]] = []
        for span in spans:
            if not kept or span[0] >= kept[-1][1]:
                kept.append(span)
        spans = kept
        return [KeywordHit(k, a, b, no or _negated(bare, a)) for a, b, k, no in spans]

    def _gapped_spans(self, bare: str) -> list[tuple[int, int, Keyword, bool]]:
        """Each gapped keyword found: start, end, the keyword, and whether a negator stands in a gap."""
        found = []
        for end, entries in self._heads.iter(bare):
            for keyword, parts in entries:
                at, no = end + 1, False
                for part in parts[1:]:
                    j = bare.find(part, at, at + GAP_CHARS + len(part))
                    if j < 0:
                        break
                    no = no or _negated(bare, j)  # "地址不用改": the part right after a negator
                    at = j + len(part)
                else:
                    found.append((end + 1 - len(parts[0]), at, keyword, no))
        return found


def _negated(bare: str, start: int) -> bool:
    for neg in _NEGATORS:
        if bare.endswith(neg, 0, start):
            at = start - len(neg)
            asking = at >= 1 and bare[at - 1] == (neg[1] if len(neg) >= 2 else bare[start : start + 1])
            return not asking
    return False
