"""Content errors are collected, never raised one at a time: an editor sees every mistake at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContentError:
    file: str
    line: int  # 1-based; 0 when the error concerns the whole file
    column: int  # 1-based; 0 when unknown
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.severity}: {self.message}"


class ContentInvalid(Exception):
    """Raised after loading when at least one error (not warning) was found; carries them all."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
