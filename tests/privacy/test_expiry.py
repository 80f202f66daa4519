"""Idempotency records expire after 24 h on both engines: a retry within them replays the first answer, a
request after them runs anew, and the prune deletes what expired (a dry run counts it)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.core.clock import SHOP_TZ
from app.http import idempotency
from app.http.idempotency import IdempotencyRecord

T0 = datetime(2026, 1, 3, 12, 0, tzinfo=SHOP_TZ)  # before any other test's records: the prune is ours alone


def test_a_record_replays_within_a_day_and_not_after(database):
    key, calls = uuid.uuid4().hex, []

    def handler(_s) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
        calls.append(1)
        return 201, {"n": len(calls)}

    def call(at: datetime) -> tuple[int, dict]:
        return idempotency.run(database, "expiry", key, "same body", at, handler)

    assert call(T0) == (201, {"n": 1})
    assert call(T0 + timedelta(hours=23)) == (201, {"n": 1})  # a retry: the first answer, no second write
    assert call(T0 + timedelta(hours=25)) == (201, {"n": 2})  # expired: runs as a new request
    assert call(T0 + timedelta(hours=26)) == (201, {"n": 2})  # and is kept anew from then
    assert len(calls) == 2


def test_the_prune_deletes_expired_records_only(database):
    old, fresh = f"old-{uuid.uuid4().hex}", f"fresh-{uuid.uuid4().hex}"
    with database.unit_of_work() as s:
        s.add(IdempotencyRecord(key=old, request_hash="h", status_code=200, body="{}", created_at=T0))
        s.add(
            IdempotencyRecord(
                key=fresh, request_hash="h", status_code=200, body="{}", created_at=T0 + timedelta(hours=20)
            )
        )
    later = T0 + timedelta(hours=25)
    with database.unit_of_work() as s:
        assert idempotency.count_expired(s, later) >= 1
        assert s.get(IdempotencyRecord, old) is not None  # counting deleted nothing
        assert idempotency.prune(s, later) >= 1
    with database.unit_of_work() as s:
        assert s.get(IdempotencyRecord, old) is None and s.get(IdempotencyRecord, fresh) is not None
