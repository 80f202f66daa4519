"""Idempotency-Key for POSTs: the same key and body return the first answer; another body is a 422.

The record is written in the same transaction as the work it guards, so either both land or neither;
a concurrent twin that loses the race on the primary key replays the winner's answer. Its table is kept
here, beside its only two statements (a read and an insert by primary key): no domain owns it, since
/v1/suggest and the case routes both use it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db.base import Base, UTCDateTime
from app.db.session import Database
from app.errors import FieldError

Handler = Callable[[Session], tuple[int, dict]]
HEADER, MAX_LENGTH = "Idempotency-Key", 200  # the header every retry-safe POST reads, and its longest value


class IdempotencyRecord(Base):
    """A POST's response kept under its Idempotency-Key: a retry gets the same answer, not a second record."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # route + client key
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def run(
    db: Database,
    scope: str,
    key: str | None,
    fingerprint: str,
    now: datetime,
    handler: Handler,
    owner: str = "-",
    *,
    same_body: bool = True,
) -> tuple[int, dict]:
    """``owner`` is the calling API key: two callers that happen to pick the same key never share answers.
    ``same_body=False`` replays the first answer whatever the body: for a key that names a thing once (a chat
    client's message id), where a later body may differ in what does not matter (the context re-sent)."""
    if key is None:
        with db.unit_of_work() as s:
            return handler(s)
    if not 1 <= len(key) <= MAX_LENGTH:
        raise FieldError(f"header.{HEADER}", f"{HEADER} 须为 1–{MAX_LENGTH} 个字符 must be 1–{MAX_LENGTH} characters")
    record_key = f"{owner}:{scope}:{key}"
    if len(record_key) > 300:
        record_key = f"{owner}:{scope}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()
    for _ in range(3):
        try:
            with db.unit_of_work() as s:
                found = s.get(IdempotencyRecord, record_key)
                if found is not None:
                    if same_body and found.request_hash != digest:
                        raise FieldError(
                            "header.Idempotency-Key",
                            "同一个 Idempotency-Key 用于了不同的请求体 this key was used with a different body",
                            code="idempotency_mismatch",
                        )
                    return found.status_code, json.loads(found.body)
                status, body = handler(s)
                s.add(
                    IdempotencyRecord(
                        key=record_key,
                        request_hash=digest,
                        status_code=status,
                        body=json.dumps(body, ensure_ascii=False, default=str),
                        created_at=now,
                    )
                )
                return status, body
        except IntegrityError:
            continue  # a concurrent request with the same key committed first: replay its answer
    raise FieldError(
        "header.Idempotency-Key", "请求冲突,请重试 concurrent requests with this key; retry", code="idempotency_busy"
    )
