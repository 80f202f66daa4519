"""Logging with personal data masked (个人信息保护法): no phone, ID number or address detail in clear.

Masking happens in the formatter, on the finished line, so that the message, its arguments, a
traceback and any ``extra`` a library adds are all covered, whoever logged them.
"""

from __future__ import annotations

import logging
from typing import TextIO

from app.core.privacy import mask

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


def handler(stream: TextIO | None = None) -> logging.Handler:
    """The one way log lines leave the process: through the masking formatter."""
    h = logging.StreamHandler(stream)
    h.setFormatter(MaskingFormatter(FORMAT))
    return h


def setup(level: str = "info") -> None:
    root = logging.getLogger()
    root.handlers[:] = [handler()]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
