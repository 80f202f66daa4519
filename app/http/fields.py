"""Request building blocks shared by every router: strict models, sane times, text that can be stored and read.

Whatever a write accepts must come back out of every read and export, so what the read path cannot carry is
refused here, at write time, as a 422, once for all routes:

- PostgreSQL refuses NUL characters in text, and neither SQLite nor PostgreSQL can store a lone surrogate
  (``"\\ud800"``, which Python's JSON parser accepts): both were 500s on the way in.
- ``NaN``, ``Infinity`` and ``1e999`` (Python's parser takes all three) went into SQLite's JSON column, and
  every later read of the timeline failed to serialise them: a 500 for good.
- Nesting over a few hundred levels broke serialisation (a 500) and no request needs it: at most
  ``MAX_DEPTH`` levels.
- ``true`` is not a number (pydantic's lax mode reads it as 1), nor is ``1`` a boolean: ``Int`` and ``Bool``.
- Control characters in a column of the 登记表格 made the XLSX export a 500 for the whole shop: ``Line`` (an id,
  a name: no control character at all) and ``Text`` (free text: line breaks and tabs only).
- Python's time zones give pre-1900 dates local mean time (+08:05:43), not an RFC 3339 offset, and a date
  alone skipped the range check: ``Moment`` and ``Day`` both hold 2000–2099.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic import Strict as StrictMode

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_DEPTH = 20  # objects and arrays inside one another, the body's own object included
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode's Cc: C0, DEL and C1
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # the same but tab, line feed, return


def _check_input(value: Any, depth: int = 1) -> None:
    """Every string and key storable, every number finite, containers no deeper than MAX_DEPTH. Recursive (the
    fastest walk in CPython, on the path of every suggestion) but never deeper than MAX_DEPTH + 1 calls."""
    kind = type(value)
    if kind is str:
        if "\x00" in value:
            raise ValueError("文本不能包含 NUL 字符 text may not contain NUL (\\u0000)")
        if not value.isascii() and _LONE_SURROGATE.search(value):
            raise ValueError(
                "文本含有孤立的代理字符 text holds a lone surrogate (U+D800–U+DFFF), which is not Unicode text"
            )
    elif kind is dict or kind is list:
        if depth > MAX_DEPTH:
            raise ValueError(f"JSON 嵌套不能超过 {MAX_DEPTH} 层 nesting deeper than {MAX_DEPTH} levels")
        if kind is dict:
            for key, item in value.items():
                _check_input(key, depth)
                _check_input(item, depth + 1)
        else:
            for item in value:
                _check_input(item, depth + 1)
    elif kind is float and not math.isfinite(value):
        raise ValueError("数字必须是有限值 numbers must be finite: no NaN, Infinity or values beyond ±1.8e308")


class Strict(BaseModel):
    """Unknown fields are mistakes (no mass assignment), and nothing that could not be stored and read back
    (NUL, lone surrogates, non-finite numbers, deep nesting) gets past the model."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        _check_input(data)
        return data


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("时间须在 2000–2099 年之间 time must be within 2000–2099")
    return value


def _day_in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("日期须在 2000–2099 年之间 date must be within 2000–2099")
    return value


# The years in the document too (a necessary condition: an offset can still carry a time across 2000 or 2100,
# and the validators decide), so that generated and hand-written requests pick a time the service takes.
_YEARS = {"pattern": "^20[0-9]{2}-"}
Moment = Annotated[AwareDatetime, AfterValidator(_in_range), Field(json_schema_extra=_YEARS)]
Day = Annotated[date, AfterValidator(_day_in_range), Field(json_schema_extra=_YEARS)]

# JSON gives integers and booleans their own types; lax mode would read true as 1 and 1 as true.
Int = Annotated[int, StrictMode()]
Bool = Annotated[bool, StrictMode()]


def _line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("不能包含控制字符(含换行)no control characters, line breaks included")
    return value


def _text(value: str) -> str:
    if _CONTROL_IN_TEXT.search(value):
        raise ValueError("不能包含控制字符(换行和制表符除外)no control characters but line breaks and tabs")
    return value


def _json_text(value: Any) -> Any:
    """Every string of free-form JSON (an event's data) as ``Text``: a note's text goes to the 登记表格."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _text(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


# The same rules published in the OpenAPI document (ECMA-262 patterns), so that clients and schemathesis know
# them; the validators above still decide, with their own messages.
_LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
_TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
Line = Annotated[str, AfterValidator(_line), Field(json_schema_extra={"pattern": _LINE_PATTERN})]
"""One line of text that may reach an export column or a log line: an id, a reference, a name."""
Text = Annotated[str, AfterValidator(_text), Field(json_schema_extra={"pattern": _TEXT_PATTERN})]
"""Free text that may reach an export: line breaks and tabs, no other control character."""
JsonData = Annotated[dict[str, Any], AfterValidator(_json_text)]
"""Free-form JSON stored as is (already finite and shallow: Strict checks every body)."""
