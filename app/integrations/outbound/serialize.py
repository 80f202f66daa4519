"""Targets and deliveries as the API shows them. A target's secret never leaves: only whether it has one; its URL
loses the query (wecom's ``key=``, 钉钉's ``access_token=``) and, for a robot, the path (飞书's hook token)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from app.integrations.outbound.models import OutboundDelivery, OutboundTarget


def _t(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def shown_url(kind: str, url: str) -> str:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"  # never user:password@ either
    if kind != "webhook":
        return origin + "/…"
    return origin + parts.path + ("?…" if parts.query else "")


def target_out(t: OutboundTarget) -> dict[str, Any]:
    return {
        "id": t.id,
        "shop_id": t.shop_id,
        "kind": t.kind,
        "url": shown_url(t.kind, t.url),
        "has_secret": bool(t.secret),
        "events": list(t.events),
        "label": t.label,
        "active": t.active,
        "created_at": _t(t.created_at),
        "created_by": t.created_by,
    }


def delivery_out(d: OutboundDelivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "event_id": d.event_id,
        "event_type": d.event.type,
        "case_id": d.event.case_id,
        "target_id": d.target_id,
        "target_kind": d.target.kind,
        "shop_id": d.shop_id,
        "status": d.status,
        "attempts": d.attempts,
        "next_at": _t(d.next_at),
        "created_at": _t(d.created_at),
        "delivered_at": _t(d.delivered_at),
        "log": [
            {
                "attempt": a.attempt,
                "at": _t(a.at),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in d.log
        ],
    }
