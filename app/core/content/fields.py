"""Reading parsed YAML against its model (content/formats.py) while collecting errors with their 1-based
line and column."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.core.content.errors import ContentError

M = TypeVar("M", bound=BaseModel)


class Collector:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[ContentError] = []

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def add(self, file: str, where: tuple[int, int], message: str, severity: str = "error") -> None:
        self.errors.append(ContentError(file, where[0], where[1], message, severity))


def at(node: Any, key: Any = None) -> tuple[int, int]:
    """1-based (line, column) of a mapping key / sequence item, or of the node itself."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return (0, 0)
    try:
        if key is None:
            line, col = lc.line, lc.col
        elif isinstance(key, int):
            line, col = lc.item(key)
        else:
            line, col = lc.key(key)
    except (KeyError, IndexError, TypeError):
        return (lc.line + 1, lc.col + 1)
    return (line + 1, col + 1)


def did_you_mean(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f";是不是 did you mean '{close[0]}'?" if close else ""


def validated(c: Collector, file: str, data: Any, model: type[M]) -> M | None:
    """``data`` as ``model``, or None with every mistake collected where the file has it."""
    try:
        return model.model_validate(plain(data))
    except ValidationError as exc:
        for err in exc.errors():
            c.add(file, locate(data, err["loc"]), describe(err["type"], err["loc"], err["msg"], err.get("input")))
        return None


def describe(kind: str, loc: tuple[int | str, ...], msg: str, given: Any) -> str:
    where = ".".join(str(p) for p in loc)
    if kind == "extra_forbidden" and len(loc) > 1 and loc[-2] == "when":
        known = ", ".join(sorted(WHEN_KEYS))
        return f"未知条件 unknown condition '{loc[-1]}' (known: {known})"
    if kind == "extra_forbidden":
        return f"未知字段 unknown field '{where}'"
    if kind == "missing":
        return f"缺少字段 missing field '{where}'"
    if kind == "value_error":  # a validator's own words, Chinese first, without pydantic's prefix
        return f"{where}: {msg.removeprefix('Value error, ')}"
    if kind in ("enum", "literal_error") and isinstance(given, str):
        return f"{where}: 未知的值 unknown value '{given}': {msg}"
    return f"{where}: {msg}"


WHEN_KEYS = ("assessment", "evidence_received", "message_has", "order_status", "remedy", "signed_by")


def locate(node: Any, loc: tuple[int | str, ...]) -> tuple[int, int]:
    """The deepest position along ``loc`` that the file itself has (an override may lack the rest)."""
    best = at(node)
    for key in loc:
        if isinstance(node, dict) and key in node:
            best, node = at(node, key), node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            best, node = at(node, key), node[key]
        else:
            break
    return best


def plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists, for pydantic."""
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node
