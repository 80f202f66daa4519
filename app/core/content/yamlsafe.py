"""Safe YAML: limits checked before parsing, no anchors, aliases or custom tags, no duplicate keys.

Content files are edited by people, not programs, and a running service reloads them, so a hostile or
broken file must produce a clear error and never exhaust memory or execute anything.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML, events
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.parser import RoundTripParser
from ruamel.yaml.reader import ReaderError

from app.core.content.errors import ContentError

MAX_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_NODES = 50_000
_STANDARD_TAGS = {
    None,
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    "!!str",
    "!!int",
    "!!float",
    "!!bool",
    "!!null",
    "!!seq",
    "!!map",
}


@dataclass(frozen=True, slots=True)
class Loaded:
    data: Any  # ruamel CommentedMap / CommentedSeq / scalar, with .lc line information
    error: ContentError | None


def yaml_files(folder: Path) -> list[Path]:
    """Every entry of ``folder`` named *.yaml, sorted: the files, and what only looks like one (a folder, a
    link to nothing), which ``load_file`` reports rather than skips. Hidden names are editors' own (Emacs
    keeps a lock as a link named .#file.yaml while a file is edited), never content."""
    try:
        return sorted(p for p in folder.iterdir() if p.name.endswith(".yaml") and not p.name.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        return []


def load_file(path: Path, file: str) -> Loaded:
    """Read and parse ``path`` (shown as ``file``). A folder, a link to nothing, a device or a file that cannot
    be read is an error of its own: an OSError here used to escape the loader and make a reload a 500."""
    if not path.is_file():  # follows links: a link to a regular file is fine
        if path.is_dir():
            what = "这是一个文件夹 it is a folder"
        elif path.is_symlink():
            what = "链接指向的文件不存在 it is a link to nothing"
        elif not path.exists():
            what = "文件不存在 file missing"
        else:
            what = "不是普通文件 not a regular file"
        return _fail(file, 0, 0, f"不是可读的 YAML 文件 not a readable YAML file: {what}")
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)  # a larger file is refused without reading all of it
            size = os.fstat(f.fileno()).st_size
    except OSError as exc:
        return _fail(file, 0, 0, f"无法读取文件 cannot read the file: {exc.strerror or exc}")
    if len(raw) > MAX_BYTES:
        return _fail(file, 0, 0, f"文件过大 file too large: {size} bytes > {MAX_BYTES}")
    return load_yaml(raw, file)


_CACHE: dict[tuple[str, str], Loaded] = {}
_CACHE_MAX = 512


def load_yaml(text: str | bytes, file: str) -> Loaded:
    """Parse once per (file, bytes): a reload re-parses only what an editor changed. Loaded values are
    never mutated, so sharing them between the live and the new catalog is safe."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    key = (file, hashlib.sha256(raw).hexdigest())
    hit = _CACHE.get(key)
    if hit is None:
        hit = _load(raw, file)
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)))  # oldest first: dicts keep insertion order
        _CACHE[key] = hit
    return hit


def _load(text: bytes, file: str) -> Loaded:
    size = len(text)
    if size > MAX_BYTES:
        return _fail(file, 0, 0, f"文件过大 file too large: {size} bytes > {MAX_BYTES}")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _fail(file, 0, 0, f"不是 UTF-8 编码 not UTF-8: {exc.reason} at byte {exc.start}")
    try:
        return Loaded(_yaml(_Checked).load(decoded), None)
    except (YAMLError, _Refused):
        pass
    # A broken file (rare) is read again the way that says what is wrong with it: the event scan first, then
    # the plain parse, so that the error, line and column are the same as they always were.
    problem = _prescan(decoded, file)
    if problem is not None:
        return Loaded(None, problem)
    try:
        return Loaded(_yaml(RoundTripParser).load(decoded), None)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        return _fail(file, mark.line + 1, mark.column + 1, f"重复的键 duplicate key: {exc.problem}")
    except MarkedYAMLError as exc:
        return _marked(file, exc)


class _Constructor(RoundTripConstructor):
    """Dates stay the text they were written as: the content that holds them (the policy's holidays) checks
    them itself, with the line, while ruamel's own date building raised a bare ValueError for 2027-02-30 that
    escaped the loader."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


def _yaml(parser: type) -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Parser = parser
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    return yaml


class _Refused(Exception):
    pass


class _Checked(RoundTripParser):
    """The round-trip parser, refusing what the event scan refuses as each event reaches the composer.

    The composer builds nodes only from events it has taken, so nothing is built from a refused construct
    (no alias is expanded, no nesting recursed into), and a valid file, nearly every file, is parsed once.
    """

    def reset_parser(self) -> None:
        super().reset_parser()
        self._depth = self._nodes = 0

    def get_event(self) -> Any:
        event = super().get_event()
        if _refusal(event, self._nodes, self._depth) is not None:
            raise _Refused
        self._nodes += isinstance(event, events.NodeEvent)
        self._depth += _nesting(event)
        return event


def _prescan(text: str, file: str) -> ContentError | None:
    """Walk the event stream (cheap, no object building) and stop at the first forbidden construct."""
    yaml = YAML(typ="safe", pure=True)
    depth = nodes = 0
    try:
        for event in yaml.parse(text):
            refusal = _refusal(event, nodes, depth)
            if refusal is not None:
                mark = event.start_mark
                return ContentError(file, mark.line + 1, mark.column + 1, refusal)
            nodes += isinstance(event, events.NodeEvent)
            depth += _nesting(event)
    except MarkedYAMLError as exc:
        return _marked(file, exc).error
    except ReaderError as exc:  # a control character, which YAML forbids; it carries a position, not a mark
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        return ContentError(
            file, line, column, f"不允许的控制字符 character not allowed in YAML: U+{exc.character:04X}"
        )
    return None


def _refusal(event: Any, nodes: int, depth: int) -> str | None:
    """Why ``event`` is refused, given the nodes and the nesting before it."""
    if isinstance(event, events.AliasEvent):
        return "不允许使用别名 aliases (*name) are not allowed"
    if isinstance(event, events.NodeEvent):
        if event.anchor is not None:
            return "不允许使用锚点 anchors (&name) are not allowed"
        tag = getattr(event, "tag", None)
        if tag not in _STANDARD_TAGS:
            return f"不允许自定义标签 custom tag not allowed: {tag}"
        if nodes + 1 > MAX_NODES:
            return f"节点过多 more than {MAX_NODES} nodes"
    if isinstance(event, events.CollectionStartEvent) and depth + 1 > MAX_DEPTH:
        return f"嵌套过深 nesting deeper than {MAX_DEPTH}"
    return None


def _nesting(event: Any) -> int:
    if isinstance(event, events.CollectionStartEvent):
        return 1
    return -1 if isinstance(event, events.CollectionEndEvent) else 0


def _marked(file: str, exc: MarkedYAMLError) -> Loaded:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    return _fail(file, line, col, f"YAML 语法错误 syntax error: {exc.problem or exc.context}")


def _fail(file: str, line: int, column: int, message: str) -> Loaded:
    return Loaded(None, ContentError(file, line, column, message))
