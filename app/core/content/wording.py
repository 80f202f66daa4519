"""Wording the platforms forbid in what an agent sends a buyer (policy ``forbidden_wording``: 加微信, 好评返现,
私下交易 …; a shop's policy adds its own): an error of the content, like a broken file.

It was a lint warning, and a script inviting the buyer to 加微信 went live and was served to agents, who send
scripts as they are. As an error it keeps the last good version live on a reload, stops a start, and fails
scripts/lint. Checked when the content is loaded (content/cache.py), where the flows and the policies first
meet: every script and every question the service asks (phrasebook/_clarify.yaml) against the defaults, and
a shop's additions against the flows that shop uses.

Compared after NFKC, case folding and with white space removed on both sides, so 加 微 信, ＶＸ and Vx are
caught as 加微信 and vx.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping

from app.core.content.errors import ContentError
from app.core.content.models import Catalog, Source
from app.core.content.policy import Policies


def forbidden_wording(catalog: Catalog, policies: Policies) -> list[ContentError]:
    default = _folded(policies.default.forbidden_wording)
    found = [_error(source, hit) for text, source in _texts(catalog) for hit in _hits(text, default)]
    for shop in policies.shops:
        extra = {
            w: shown for w, shown in _folded(policies.for_shop(shop).forbidden_wording).items() if w not in default
        }
        if not extra:
            continue
        for flow in catalog.flows_for(shop).values():
            for branch in flow.branches:
                for text in (branch.text, branch.pending or ""):
                    found += [_error(branch.source, hit, shop) for hit in _hits(text, extra)]
    return found


def _texts(catalog: Catalog) -> Iterator[tuple[str, Source]]:
    for flow in catalog.all_flows():
        for branch in flow.branches:
            yield branch.text, branch.source
            if branch.pending:
                yield branch.pending, branch.source
    if catalog.clarify is not None:
        for question in catalog.clarify.all():
            yield question.text, question.source
        if catalog.clarify.either is not None:
            yield catalog.clarify.either.text, catalog.clarify.either.source


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _folded(words: Mapping[str, str]) -> dict[str, str]:
    """The word as compared → the word as written with its reason, as the error shows it."""
    return {_fold(word): f"'{word}': {why}" for word, why in words.items() if _fold(word)}


def _hits(text: str, words: Mapping[str, str]) -> list[str]:
    folded = _fold(text)
    return [shown for word, shown in words.items() if word in folded]


def _error(source: Source, hit: str, shop: str | None = None) -> ContentError:
    whose = f"(店铺 shop {shop})" if shop else ""
    return ContentError(
        source.file, source.line, source.column, f"话术含平台禁止用语 forbidden platform wording {hit}{whose}"
    )
