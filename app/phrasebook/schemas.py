"""The phrasebook routes' JSON contract."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    file: str
    line: int
    column: int
    severity: str
    message: str
    text: str


class ReloadOut(BaseModel):
    accepted: bool
    changed: bool
    live_version: str
    errors: list[Problem]
    warnings: list[Problem]


class StatusOut(BaseModel):
    live: dict[str, Any]
    rejected: dict[str, Any] | None
