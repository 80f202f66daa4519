"""Reading fields out of parsed YAML while collecting errors with their 1-based line and column."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from app.core.content.errors import ContentError

ID = re.compile(r"^_?[a-z][a-z0-9_]*$")


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


def strings(c: Collector, file: str, data: Any, key: str, required: bool = True) -> list[tuple[str, tuple[int, int]]]:
    seq = data.get(key)
    if seq is None:
        if required:
            c.add(file, at(data), f"缺少字段 missing field '{key}'")
        return []
    if not isinstance(seq, list):
        c.add(file, at(data, key), f"'{key}' 必须是列表 must be a list")
        return []
    out = []
    for i, item in enumerate(seq):
        if not isinstance(item, str) or not item.strip():
            c.add(file, at(seq, i), f"'{key}' 第 {i + 1} 项必须是非空文字 item {i + 1} must be non-empty text")
            continue
        out.append((item.strip(), at(seq, i)))
    return out


def text_field(c: Collector, file: str, data: Any, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        c.add(file, at(data, key) if key in data else at(data), f"缺少或无效的字段 missing or invalid field '{key}'")
        return ""
    return value.strip()


def id_list(c: Collector, file: str, data: Any, key: str, known: Any, what: str) -> tuple[str, ...]:
    out = []
    for value, pos in strings(c, file, data, key, required=False):
        if known is not None and value not in known:
            c.add(file, pos, f"未知的{what} unknown {key} id '{value}'")
        out.append(value)
    return tuple(out)


def did_you_mean(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f";是不是 did you mean '{close[0]}'?" if close else ""
