"""Search a shop's effective scripts (GET /v1/scripts): when nothing matches or the agent disagrees, any
script can be found by its intent's or branch's name, words of its text, its id, or 拼音 initials (psbf →
破损 … 补发)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from app.core.content.models import Branch, Catalog, Flow

_NOT_LETTERS = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True, slots=True)
class Entry:
    flow: Flow
    branch: Branch
    intent_name: str
    words: str  # intent name, branch name: what an agent calls it
    initials: str  # their 拼音 initials, letters only
    text: str


def initials(text: str) -> str:
    return _NOT_LETTERS.sub("", "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower())


def _subsequence(needle: str, hay: str) -> bool:
    it = iter(hay)
    return all(ch in it for ch in needle)


class ScriptIndex:
    """One shop's scripts, built on the first search of a content version (pypinyin is not free)."""

    def __init__(self, catalog: Catalog, shop_id: str | None) -> None:
        self.entries: list[Entry] = []
        for flow in catalog.flows_for(shop_id).values():
            intent = catalog.intents.get(flow.intent)
            name = intent.name if intent is not None else flow.intent
            for branch in flow.branches:
                words = f"{name} {branch.name}"
                self.entries.append(Entry(flow, branch, name, words, initials(words), branch.text))

    def search(self, query: str, limit: int) -> list[Entry]:
        terms = query.lower().split()
        if not terms:
            return self.entries[:limit]
        scored = []
        for i, e in enumerate(self.entries):
            total = 0
            for term in terms:
                score = _score(term, e)
                if not score:
                    break
                total += score
            else:
                scored.append((-total, i, e))
        scored.sort(key=lambda x: (x[0], x[1]))
        return [e for *_, e in scored[:limit]]


def _score(term: str, e: Entry) -> int:
    if term in e.branch.script_id:
        return 6
    if term in e.words.lower():
        return 5
    if term in e.text:
        return 2
    letters = _NOT_LETTERS.sub("", term)
    if letters and letters == term:
        if letters in e.initials:
            return 4
        if len(letters) >= 2 and letters[0] == e.initials[:1] and _subsequence(letters, e.initials):
            return 3
    return 0
