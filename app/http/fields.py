"""Request building blocks shared by every router: strict models and sane times.

PostgreSQL refuses NUL characters in text, and Python's time zones give pre-1900 dates local mean
time (+08:05:43), which is not an RFC 3339 offset: both are caught here as 422s, once for all routes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, model_validator

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _no_nul(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("文本不能包含 NUL 字符 text may not contain NUL (\\u0000)")
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_nul(k)
            _no_nul(v)
    elif isinstance(value, list):
        for v in value:
            _no_nul(v)


class Strict(BaseModel):
    """Unknown fields are mistakes (no mass assignment), and no string may hold a NUL."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _reject_nul(cls, data: Any) -> Any:
        _no_nul(data)
        return data


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("时间须在 2000–2099 年之间 time must be within 2000–2099")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]
