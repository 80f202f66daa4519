"""The parsed content kept in CACHE_DIR between starts: parsing the YAML is most of what loading it costs.

An entry holds the catalog and policies parsed from one exact set of content files by one version of the code
that parses them (its source and the versions of Python and the parsing libraries); anything else misses and
is parsed. Only content without errors is stored, so every error an editor sees, with its file:line, comes
from a real parse. An entry that cannot be read back is a miss, never a failure. Entries are written to a
temporary file and renamed into place, so workers starting together never read half an entry.
"""

from __future__ import annotations

import copyreg
import dataclasses
import functools
import hashlib
import io
import logging
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

from app.core.content.errors import ContentError, ContentInvalid
from app.core.content.loader import CONTENT_FOLDERS, load_catalog
from app.core.content.models import Catalog
from app.core.content.policy import Policies, load_policies
from app.core.content.wording import forbidden_wording
from app.core.normalize import Normalizer

log = logging.getLogger("app.content")
FOLDER = "content"  # under CACHE_DIR
KEEP = 8  # newest entries kept: a few content versions (tests, rollbacks) side by side
# What the parsed objects depend on besides the content files.
_CODE = (
    *sorted(Path(__file__).parent.glob("*.py")),
    *(Path(__file__).parent.parent / f for f in ("normalize.py", "terms.py")),
)
# Only the model classes may come out of an entry: a planted file cannot make unpickling run anything else.
_MODULES = frozenset(
    {
        "app.core.content.models",
        "app.core.content.errors",
        "app.core.content.policy",
        "app.core.content.holidays",
        "app.core.content.tracking",
        "app.core.terms",
    }
)


def load_content(root: Path, normalizer: Normalizer, cache_dir: Path | None = None) -> tuple[Catalog, Policies]:
    """The catalog and the policies under ``root``. Raises ContentInvalid with content and policy errors together."""
    key = content_key(root, normalizer) if cache_dir is not None else None
    if cache_dir is not None and key is not None:
        hit = _read(cache_dir / FOLDER / f"{key}.pickle")
        if hit is not None:
            return hit
    catalog, policies = _parse(root, normalizer)
    # Stored only if no file changed while it was parsed, so the entry is what its key names.
    if cache_dir is not None and key is not None and content_key(root, normalizer) == key:
        _write(cache_dir / FOLDER, key, (catalog, policies))
    return catalog, policies


def _parse(root: Path, normalizer: Normalizer) -> tuple[Catalog, Policies]:
    errors: list[ContentError] = []
    catalog = policies = None
    try:
        catalog = load_catalog(root, normalizer)
    except ContentInvalid as exc:
        errors.extend(exc.errors)
    try:
        policies = load_policies(root)
    except ContentInvalid as exc:
        errors.extend(exc.errors)
    if catalog is None or policies is None:
        raise ContentInvalid(errors)  # content and policy mistakes together, in one report
    wording = forbidden_wording(catalog, policies)
    if wording:
        raise ContentInvalid([*catalog.warnings, *wording])
    return catalog, policies


def content_key(root: Path, normalizer: Normalizer) -> str | None:
    """The entry's name; None when the result may not be cached (a normaliser of a test's own)."""
    if type(normalizer) is not Normalizer or not normalizer.standard:
        return None
    try:
        digest = hashlib.sha256(_code_version().encode())
        for sub in CONTENT_FOLDERS:
            # Folders count too: the loader reports a shop folder's bad name even when it holds no file.
            for path in sorted((root / sub).rglob("*")):
                rel = path.relative_to(root).as_posix()
                if path.is_dir():
                    digest.update(f"d {rel}\n".encode())
                elif path.suffix in (".yaml", ".yml"):
                    data = path.read_bytes()
                    digest.update(f"f {rel} {len(data)}\n".encode() + data)
    except OSError:  # a file went away mid-listing: parse, and let the loader say what is wrong
        return None
    return digest.hexdigest()


@functools.cache
def _code_version() -> str:
    import jinja2
    import opencc
    import pydantic
    import pydantic_core
    import ruamel.yaml

    digest = hashlib.sha256(
        f"{sys.version} {ruamel.yaml.__version__} {pydantic.VERSION} {pydantic_core.__version__} "
        f"{opencc.__version__} {jinja2.__version__}\n".encode()
    )
    for path in _CODE:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _frozen(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _restore(cls: type, values: tuple[Any, ...]) -> Any:
    """A frozen dataclass as pickle's default would rebuild it, without looking its fields up per object
    (dataclasses' own __setstate__ does: 3/4 of reading 50,000 examples back)."""
    obj: Any = object.__new__(cls)
    for name, value in zip(_field_names(cls), values, strict=True):
        object.__setattr__(obj, name, value)
    return obj


class _Pickler(pickle.Pickler):
    dispatch_table = {**copyreg.dispatch_table, MappingProxyType: lambda m: (_frozen, (dict(m),))}

    def reducer_override(self, obj: Any) -> Any:
        cls: type = type(obj)
        if cls.__module__ in _MODULES and dataclasses.is_dataclass(cls):
            return _restore, (cls, tuple(getattr(obj, name) for name in _field_names(cls)))
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (__name__, "_frozen"):
            return _frozen
        if (module, name) == (__name__, "_restore"):
            return _restore
        if (module, name) == ("decimal", "Decimal"):
            return Decimal
        found = super().find_class(module, name) if module in _MODULES else None
        if not isinstance(found, type):
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a content cache entry")
        return found


def read_entry(path: Path, unpickler: type[pickle.Unpickler], what: str, instead: str) -> Any | None:
    """An entry of a cache folder unpickled by ``unpickler`` (which decides what may be built), or None when it
    is missing, unreadable or damaged (logged: "<what> <path> damaged, <instead> instead")."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("%s %s unreadable, %s instead: %s", what, path, instead, exc)
        return None
    try:
        return unpickler(io.BytesIO(raw)).load()
    except Exception as exc:  # truncated, damaged or planted: unpickling can raise almost anything
        log.warning("%s %s damaged, %s instead: %r", what, path, instead, exc)
        return None


def used(path: Path) -> None:
    try:
        os.utime(path)  # recently used: pruned last
    except OSError:
        pass


def write_entry(folder: Path, key: str, dump: Callable[[BinaryIO], None], what: str) -> None:
    """``dump`` writes the entry into a file that replaces ``<key>.pickle`` whole (workers starting together never
    see half of one); then the folder keeps its newest ``KEEP`` entries."""
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            dump(f)
        os.replace(tmp, folder / f"{key}.pickle")
        tmp = None
    except Exception as exc:  # the cache only saves time: a full disk or an unpicklable value must not stop a start
        log.warning("could not write the %s in %s: %r", what, folder, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    _prune(folder)


def _read(path: Path) -> tuple[Catalog, Policies] | None:
    value = read_entry(path, _Unpickler, "content cache", "parsing the content")
    if value is None:
        return None
    catalog, policies = value if isinstance(value, tuple) and len(value) == 2 else (None, None)
    if not isinstance(catalog, Catalog) or not isinstance(policies, Policies):
        log.warning("content cache %s holds something else, parsing the content instead", path)
        return None
    used(path)
    return catalog, policies


def _write(folder: Path, key: str, value: tuple[Catalog, Policies]) -> None:
    write_entry(folder, key, lambda f: _Pickler(f, protocol=pickle.HIGHEST_PROTOCOL).dump(value), "content cache")


def _prune(folder: Path) -> None:
    try:
        entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        stale = [p for p in folder.glob(".*.tmp") if p.stat().st_mtime < time.time() - 3600]  # a writer that died
    except OSError:  # another process pruned the same entry first
        return
    for path in (*entries[KEEP:], *stale):
        path.unlink(missing_ok=True)
