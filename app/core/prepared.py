"""The examples as the matcher measures them (bare, tokenised) and the n-gram model fitted on them, kept in
CACHE_DIR between starts.

Tokenising every example with jieba and counting their n-grams is most of what building the matcher costs
(~16 s for 50,000 examples), where reading them back takes a fraction of a second. An entry is keyed by the
examples (text and intent, in order), the code that prepares them, jieba's version, the words added to its
dictionary and the n-gram smoothing; anything else misses and is computed. Entries
hold only strings, bytes, lists, tuples and dicts, and are read back by an unpickler that refuses every class:
a planted file cannot make reading it run anything.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.core.content.cache import read_entry, used, write_entry
from app.core.content.models import Catalog
from app.core.ngrams import NgramTable, fit
from app.core.normalize import Normalizer, strip_punctuation
from app.core.tokenize import Tokenizer

log = logging.getLogger("app.content")
FOLDER = "examples"  # under CACHE_DIR
_CODE = tuple(Path(__file__).parent / f for f in ("normalize.py", "tokenize.py", "ngrams.py", "prepared.py"))
_ARRAYS = {"default": np.float64, "rows": np.int64, "classes": np.int64, "deltas": np.float64}


@dataclass(frozen=True, slots=True, eq=False)
class Prepared:
    examples: list[tuple[str, tuple[str, ...]]]  # per example, in catalog order: (bare text, content tokens)
    ngrams: NgramTable


def examples(catalog: Catalog) -> Iterable[str]:
    """Every example's text, in the order the matcher indexes them."""
    return (ex.text for intent in catalog.intents.values() for ex in intent.examples)


def prepare(catalog: Catalog, normalizer: Normalizer, tokenizer: Tokenizer, alpha: float) -> Prepared:
    out = []
    for text in examples(catalog):
        norm = normalizer(text)
        out.append((strip_punctuation(norm), tuple(tokenizer.tokens(norm))))
    intents = [ex.intent for intent in catalog.intents.values() for ex in intent.examples]
    return Prepared(out, fit(zip(intents, (bare for bare, _ in out), strict=True), alpha))


def load(
    catalog: Catalog, normalizer: Normalizer, tokenizer: Tokenizer, alpha: float, cache_dir: Path | None
) -> Prepared:
    """The prepared examples of ``catalog``: from the cache when an entry matches, else computed (and stored)."""
    key = _key(catalog, normalizer, tokenizer, alpha) if cache_dir is not None else None
    if cache_dir is None or key is None:
        return prepare(catalog, normalizer, tokenizer, alpha)
    folder = cache_dir / FOLDER
    count = sum(len(i.examples) for i in catalog.intents.values())
    hit = _read(folder / f"{key}.pickle", count)
    if hit is not None:
        return hit
    prepared = prepare(catalog, normalizer, tokenizer, alpha)
    _write(folder, key, prepared)
    return prepared


def _key(catalog: Catalog, normalizer: Normalizer, tokenizer: Tokenizer, alpha: float) -> str | None:
    if type(normalizer) is not Normalizer or not normalizer.standard:
        return None  # a test's own normaliser: what it produced is not what another process would
    import jieba

    # What the entry is computed from, and nothing else: an edit of a script or a policy (a reload) reads it back.
    digest = hashlib.sha256(f"{jieba.__version__}\n{alpha!r}\n".encode())
    for path in _CODE:
        digest.update(path.read_bytes())
    for word in sorted(tokenizer.words):
        digest.update(word.encode() + b"\0")
    for intent in catalog.intents.values():  # the examples in order, with the intent each one teaches
        for ex in intent.examples:
            digest.update(f"{ex.intent}\t{ex.text}\0".encode())
    return digest.hexdigest()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in an examples cache entry")


def _read(path: Path, count: int) -> Prepared | None:
    value = read_entry(path, _Unpickler, "examples cache", "preparing the examples")
    if value is None:
        return None
    prepared = _decode(value, count)
    if prepared is None:
        log.warning("examples cache %s holds something else, preparing the examples instead", path)
        return None
    used(path)
    return prepared


def _encode(prepared: Prepared) -> dict[str, Any]:
    table = prepared.ngrams
    arrays = {name: getattr(table, name).astype(dtype).tobytes() for name, dtype in _ARRAYS.items()}
    return {"examples": prepared.examples, "labels": table.labels, "vocab": table.vocab, **arrays}


def _decode(value: object, count: int) -> Prepared | None:
    if not isinstance(value, dict) or not isinstance(value.get("examples"), list) or len(value["examples"]) != count:
        return None
    rows = value["examples"]
    if not all(type(r) is tuple and len(r) == 2 and type(r[0]) is str and type(r[1]) is tuple for r in rows):
        return None
    labels, vocab = value.get("labels"), value.get("vocab")
    if not isinstance(labels, tuple) or not isinstance(vocab, list):
        return None
    try:
        arrays = {name: np.frombuffer(value[name], dtype=dtype) for name, dtype in _ARRAYS.items()}
    except (KeyError, TypeError, ValueError):
        return None
    if len(arrays["default"]) != len(labels) or not len(arrays["rows"]) == len(arrays["classes"]) == len(
        arrays["deltas"]
    ):
        return None
    return Prepared(rows, NgramTable(labels, vocab, **arrays))


def _write(folder: Path, key: str, value: Prepared) -> None:
    write_entry(
        folder, key, lambda f: pickle.dump(_encode(value), f, protocol=pickle.HIGHEST_PROTOCOL), "examples cache"
    )
