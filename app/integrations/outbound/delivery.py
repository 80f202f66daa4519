"""Sending one delivery: take it (a compare-and-set on its lease, so one instance sends it), send it outside
any transaction, then record the attempt and decide what is next: delivered, a retry after an exponential
backoff, or failed for good once the attempts are used up.

The request goes to the address the policy check just approved (app/integrations/outbound/addresses.py), with
the name in ``Host`` and in TLS's SNI, so the certificate is still checked against the name; redirects are not
followed (a 3xx could point anywhere, the check included); a 3xx is a failed attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.db.session import Database
from app.integrations.outbound.addresses import Refused, allowed_address, host_and_port
from app.integrations.outbound.formats import Outgoing, accepted, build
from app.integrations.outbound.models import DeliveryAttempt, OutboundDelivery

log = logging.getLogger("app.outbound")
LEASE = timedelta(minutes=2)  # longer than one request may take; a crashed sender's delivery is taken again after
RETRYABLE_4XX = frozenset({408, 425, 429})
ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Policy:
    allow_private: bool = False
    max_attempts: int = 8
    retry_seconds: float = 30.0
    retry_cap_seconds: float = 3600.0
    timeout_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class Result:
    status_code: int | None
    error: str | None
    retry: bool  # worth another attempt (the receiver or the network may recover)
    duration_ms: int


DISABLED = Result(None, "目标已停用 the target was disabled", retry=False, duration_ms=0)


def backoff(attempt: int, policy: Policy) -> timedelta:
    """The wait after failed attempt number ``attempt`` (1, 2, …): base × 2^(attempt-1), capped."""
    return timedelta(seconds=min(policy.retry_cap_seconds, policy.retry_seconds * 2 ** min(attempt - 1, 30)))


def due(s: Session, now: datetime, limit: int) -> list[int]:
    rows = s.scalars(
        select(OutboundDelivery.id)
        .where(
            OutboundDelivery.status == "pending",
            OutboundDelivery.next_at <= now,
            or_(OutboundDelivery.lease_until.is_(None), OutboundDelivery.lease_until < now),
        )
        .order_by(OutboundDelivery.next_at)
        .limit(limit)
    )
    return list(rows)


def take(s: Session, delivery_id: int, now: datetime) -> bool:
    """True when this instance won the delivery: the update matches only while nobody else holds it."""
    result = s.execute(
        update(OutboundDelivery)
        .where(
            OutboundDelivery.id == delivery_id,
            OutboundDelivery.status == "pending",
            or_(OutboundDelivery.lease_until.is_(None), OutboundDelivery.lease_until < now),
        )
        .values(lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def send(kind: str, outgoing: Outgoing, policy: Policy) -> Result:
    start = time.monotonic()

    def done(code: int | None, error: str | None, retry: bool) -> Result:
        return Result(code, error, retry, int((time.monotonic() - start) * 1000))

    try:
        host, port = host_and_port(outgoing.url)
        ip = allowed_address(host, port, policy.allow_private)
    except Refused as exc:
        return done(None, str(exc), retry=exc.transient)
    url = httpx.URL(outgoing.url)
    headers = {**outgoing.headers, "Host": url.netloc.decode("ascii")}
    extensions: dict[str, Any] = {"timeout": httpx.Timeout(policy.timeout_seconds).as_dict()}
    if url.scheme == "https":
        extensions["sni_hostname"] = host
    request = httpx.Request(
        "POST", url.copy_with(host=str(ip)), content=outgoing.body, headers=headers, extensions=extensions
    )
    try:
        # The transport, not a Client: a Client logs each request's URL at INFO, and a robot's URL is its token.
        # A transport follows no redirect and reads no proxy from the environment either.
        with httpx.HTTPTransport() as transport:
            response = transport.handle_request(request)
            try:
                body = _read_capped(response)
            finally:
                response.close()
    except httpx.TimeoutException:
        return done(None, "超时 timed out", retry=True)
    except httpx.TransportError as exc:
        # The exception's text can hold the URL: only its class is kept.
        return done(None, f"连接失败 connection failed ({type(exc).__name__})", retry=True)
    status = response.status_code
    reason = accepted(kind, status, body)
    if reason is None:
        return done(status, None, retry=False)
    retry = status >= 500 or status in RETRYABLE_4XX or 200 <= status < 300
    return done(status, reason, retry)


def _read_capped(response: httpx.Response) -> bytes:
    """The answer's first ANSWER_BYTES: all a robot's verdict needs, and a receiver cannot make us buffer more."""
    chunks, size = [], 0
    for chunk in response.iter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= ANSWER_BYTES:
            break
    return b"".join(chunks)[:ANSWER_BYTES]


def record(s: Session, delivery: OutboundDelivery, result: Result, now: datetime, policy: Policy) -> None:
    """The attempt in the log, and the delivery's next state."""
    delivery.attempts += 1
    s.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            attempt=delivery.attempts,
            at=now,
            status_code=result.status_code,
            error=result.error[:300] if result.error else None,
            duration_ms=result.duration_ms,
        )
    )
    delivery.lease_until = None
    if result.error is None:
        delivery.status, delivery.delivered_at, delivery.next_at = "delivered", now, None
    elif result.retry and delivery.attempts < policy.max_attempts + delivery.extra_attempts:
        delivery.next_at = now + backoff(delivery.attempts, policy)
    else:
        delivery.status, delivery.next_at = "failed", None
        log.warning("outbound delivery %s failed for good after %d attempts", delivery.id, delivery.attempts)


def deliver_due(db: Database, policy: Policy, now: Callable[[], datetime], limit: int = 20) -> int:
    """Send what is due now; returns how many deliveries were attempted."""
    with db.unit_of_work() as s:
        ids = due(s, now(), limit)
    sent = 0
    for delivery_id in ids:
        outgoing: Outgoing | None = None
        with db.unit_of_work() as s:
            d = s.get(OutboundDelivery, delivery_id)
            if d is None or not take(s, delivery_id, now()):
                continue
            kind = d.target.kind
            if d.target.active:
                outgoing = build(kind, d.target.url, d.target.secret, d.event.payload, now())
        # Sent with no transaction open: a slow receiver holds no lock and no pooled connection.
        result = send(kind, outgoing, policy) if outgoing is not None else DISABLED
        with db.unit_of_work() as s:
            d = s.get(OutboundDelivery, delivery_id)
            if d is not None:
                record(s, d, result, now(), policy)
        sent += 1
    return sent
