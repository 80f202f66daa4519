"""Logging with personal data masked (个人信息保护法) and lines that input cannot forge.

Masking happens in the formatter, so that whoever logs is covered, and it happens twice:

- on the text before it is formatted: the message and every string among its arguments (inside lists,
  tuples and dicts too). ``%r`` escapes a tab as ``\\t`` and U+3000 as ``\\u3000``; masking the finished
  line only, as this module once did, saw ``139\\t1234\\t5678`` and let the phone through;
- on the finished line, tracebacks included, for whatever reached it another way (an exception's text,
  an ``extra`` a library adds).

A log line is one record: line breaks and other control characters in the message are written as
escapes (``\\n``), so a buyer_ref or conversation_id holding "\\n2026-… INFO …" cannot start a line of its
own. A traceback keeps its lines, each indented, so that a line starting at the margin always begins a
record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Literal, TextIO

from pythonjsonlogger.core import LogData
from pythonjsonlogger.json import JsonFormatter

from app.core.privacy import mask

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"  # process: which worker
Format = Literal["text", "json"]
# The id of the request being served in this context (None outside a request). A context variable: each
# request is its own asyncio task, and the thread pool that runs sync routes copies the context over.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
# C0 controls but the tab, DEL, C1 controls, and the Unicode line and paragraph separators: all of them
# can break a line in some viewer or terminal.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return {10: "\\n", 13: "\\r"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def one_line(text: str) -> str:
    return _CONTROL.sub(_escape, text)


def _masked(value: Any, depth: int = 0) -> Any:
    """``value`` with every string in it masked; other values as they are (so ``%d`` still gets a number)."""
    if isinstance(value, str):
        return mask(value)
    if depth > 5:
        return value
    if type(value) is list:  # exactly these types: a subclass (a namedtuple) may not rebuild from an iterable
        return [_masked(v, depth + 1) for v in value]
    if type(value) is tuple:
        return tuple(_masked(v, depth + 1) for v in value)
    if type(value) is dict:
        return {_masked(k, depth + 1): _masked(v, depth + 1) for k, v in value.items()}
    return value


def _safe(record: logging.LogRecord) -> logging.LogRecord:
    """A copy with the message and its arguments masked: other handlers, and whoever holds the record, see
    it as it was logged."""
    safe = logging.makeLogRecord(record.__dict__)
    safe.msg = _masked(record.msg)
    if isinstance(record.args, Mapping):
        safe.args = _masked(dict(record.args))
    elif record.args:
        safe.args = _masked(tuple(record.args))
    return safe


class RequestId(logging.Filter):
    """Stamps each record with the current request's id (on the handler: it sees every logger's records)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


# A record whose text its writer masked field by field (the access line, app/http/access.py: only the method
# and the path come from the client, the rest is ours): the formatter does not mask it again. Masking costs
# ~1 µs a character, and the two passes over a whole access line cost a fifth of a suggestion.
PREMASKED = "premasked"


def _premasked(record: logging.LogRecord) -> bool:
    return getattr(record, PREMASKED, False) is True and not record.args and not record.exc_info


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if _premasked(record):
            safe = logging.makeLogRecord(record.__dict__)
            safe.message = one_line(str(record.msg))
            if self.usesTime():
                safe.asctime = self.formatTime(safe, self.datefmt)
            line = one_line(self.formatMessage(safe))
            request_id = getattr(record, "request_id", None)
            return line + (f" request_id={one_line(mask(str(request_id)))}" if request_id else "")
        safe = _safe(record)
        safe.message = safe.getMessage()
        if self.usesTime():
            safe.asctime = self.formatTime(safe, self.datefmt)
        line = one_line(mask(self.formatMessage(safe)))
        request_id = getattr(record, "request_id", None)
        if request_id:  # at the end: the start of a line stays "time LEVEL logger: message", as before
            line += f" request_id={one_line(mask(str(request_id)))}"
        extra = []
        if record.exc_info:
            extra.append(self.formatException(record.exc_info))
        elif record.exc_text:
            extra.append(record.exc_text)
        if record.stack_info:
            extra.append(self.formatStack(record.stack_info))
        for block in extra:
            for part in mask(block).splitlines():  # splitlines: every kind of line break a viewer may honour
                line += "\n    " + one_line(part)
        return line


class JsonMaskingFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, request_id and the record's extra fields
    (the access log's method, route, status …), every string in them masked; ``exc_info`` holds a traceback.
    JSON escapes line breaks, so a record is always one line."""

    def __init__(self) -> None:
        super().__init__(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,  # Chinese as it is: readable, and what the masking patterns look at
        )

    def format(self, record: logging.LogRecord) -> str:
        if _premasked(record):
            token = _TRUSTED.set(True)
            try:
                return str(super().format(record))
            finally:
                _TRUSTED.reset(token)
        return str(super().format(_safe(record)))

    def process_log_record(self, log_data: LogData) -> LogData:
        if _TRUSTED.get():  # masked by its writer; the request id is the client's, so it is masked here
            out = {k: v for k, v in log_data.items() if k != PREMASKED}
            if isinstance(out.get("request_id"), str):
                out["request_id"] = mask(out["request_id"])
            return out
        return {
            key: value if key in _OURS else mask(value) if isinstance(value, str) else _masked(value)
            for key, value in log_data.items()
        }


_TRUSTED: ContextVar[bool] = ContextVar("premasked_record", default=False)
_OURS = frozenset({"time", "level", "logger"})  # written by the logging module, never by input: ~10 µs each saved


def handler(stream: TextIO | None = None, fmt: Format = "text") -> logging.Handler:
    """The one way log lines leave the process: through a masking formatter, stamped with the request id."""
    h = logging.StreamHandler(stream)
    h.setFormatter(JsonMaskingFormatter() if fmt == "json" else MaskingFormatter(FORMAT))
    h.addFilter(RequestId())
    return h


def setup(level: str = "info", fmt: Format = "text") -> None:
    root = logging.getLogger()
    root.handlers[:] = [handler(fmt=fmt)]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
