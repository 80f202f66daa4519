"""Search a shop's effective scripts: when nothing matches, or the agent disagrees, any script can be found by
the intent's or the step's name, words of its text, or the 拼音 initials of the names ("psbf" finds 破损 ·
补发). The index is built once per content version and shop, on first use (pypinyin is loaded then, not at
import: it costs ~12 MB and 60 ms)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.core.content.models import Branch, Flow

# Per-character readings are enough for names; pypinyin's phrase table would add ~40 MB to every worker.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

_NAME, _TEXT, _INITIALS = 3.0, 1.0, 2.0  # a hit in a name counts more than one in the text


@dataclass(frozen=True, slots=True)
class Entry:
    intent: str
    intent_name: str
    branch: Branch
    names: str  # intent and step names, normalised
    text: str  # the script's text, normalised
    initials: str  # 拼音 initials of the names, lower case, no spaces


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float


def initials(text: str) -> str:
    """The first letter of each character's reading (Latin letters and digits kept): "破损补发" → "psbf"."""
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: " ".join(chars))
    words = (w for p in letters for w in p.split())  # Latin and digits come back as one string: split per character
    return "".join(w[0] for w in words if w[0].isascii() and w[0].isalnum()).lower()


class ScriptIndex:
    def __init__(self, flows: Iterable[Flow], intent_names: dict[str, str], normalize: Callable[[str], str]) -> None:
        self._normalize = normalize
        self.entries = tuple(
            Entry(
                f.intent,
                intent_names.get(f.intent, f.intent),
                b,
                normalize(f"{intent_names.get(f.intent, f.intent)} {b.name}"),
                normalize(b.text),
                initials(f"{intent_names.get(f.intent, f.intent)}{b.name}"),
            )
            for f in flows
            for b in f.branches
        )

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Every word of the query must be found (in a name, the text or the initials); best first."""
        words = [w for w in self._normalize(query).split() if w]
        if not words:
            return []
        hits = []
        for e in self.entries:
            score = 0.0
            for w in words:
                found = _NAME * (w in e.names) + _TEXT * (w in e.text)
                if w.isascii() and w.isalnum():
                    found += _INITIALS * (w in e.initials) + _INITIALS * e.initials.startswith(w)
                if not found:
                    break
                score += found
            else:
                hits.append(Hit(e, score))
        hits.sort(key=lambda h: (-h.score, h.entry.intent, h.entry.branch.id))
        return hits[:limit]
