"""Logging with personal data masked: phone numbers never reach a log line in clear (个人信息保护法)."""

from __future__ import annotations

import logging
import re

# Mobile numbers also with +86, spaces, dashes or full-width digits: log lines hold raw buyer text.
_D = "[0-9０-９]"
_PHONE = re.compile(rf"(?<!{_D})((?:[+＋]?86[\s-]?)?)([1１][3-9３-９]{_D})[\s-]?{_D}{{4}}[\s-]?({_D}{{4}})(?!{_D})")


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
