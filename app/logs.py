"""Logging with personal data masked: phone numbers never reach a log line in clear (个人信息保护法)."""

from __future__ import annotations

import logging
import re

# Mobile numbers also with +86, spaces or dashes; full-width digits are folded by NFKC before logging
# would not help, so the pattern accepts them directly.
_PHONE = re.compile(r"(?<![0-9０-９])((?:\+?86[\s-]?)?)(1[3-9０-９][0-9０-９])[\s-]?[0-9０-９]{4}[\s-]?([0-9０-９]{4})(?![0-9０-９])")


def mask(text: str) -> str:
    return _PHONE.sub(lambda m: f"{m[1]}{m[2]}****{m[3]}", text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup(level: str = "info") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
