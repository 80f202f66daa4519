"""``GET /metrics``: what Prometheus scrapes. Every process's counters (app/metrics.py) and, read from the
database at scrape time, per shop: active cases, overdue follow-ups and approvals waiting.

Who may read it: the figures are per shop, so never an anonymous caller. Either the ``METRICS_TOKEN`` secret
(the scraper's, compared in constant time; it needs no database, so scrapes go on during an outage) or an
admin key, which sees the shops it may act for only.

The database's figures are read at most every ``CACHE_SECONDS`` (several scrapers, or a dashboard refreshing,
cost one read) by whichever worker answers. While the database is down, /metrics still answers: the counters,
``shouhou_database_up 0`` and the last figures read, with their age in ``shouhou_shop_figures_age_seconds``.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy.exc import SQLAlchemyError

from app.auth.guard import admit, bearer
from app.auth.roles import Permission
from app.cases.repository import ShopFigures, shop_figures
from app.db.session import Database
from app.errors import Unavailable
from app.http.schemas import error_responses
from app.metrics import exposition
from app.reload import ContentHolder

log = logging.getLogger("app.metrics")
router = APIRouter()
CACHE_SECONDS = 5.0
_GAUGES = (
    ("shouhou_cases_open", "active cases (open or waiting) by shop", "open_cases"),
    ("shouhou_follow_ups_overdue", "follow-ups past their due time and not done, by shop", "overdue_follow_ups"),
    ("shouhou_approvals_waiting", "compensation approvals waiting for the 店长, by shop", "waiting_approvals"),
)


class ShopGauges:
    """The database's figures, read at most every ``CACHE_SECONDS``; the last ones kept through an outage."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.Lock()  # one read at a time: concurrent scrapes wait for it and share it
        self._checked = float("-inf")  # time.monotonic() of the last attempt
        self._figures: ShopFigures | None = None
        self._read_at = 0.0  # time.monotonic() of the last successful read
        self.up = False

    def read(self) -> tuple[ShopFigures | None, float]:
        """The figures (None if never read) and their age in seconds."""
        with self._lock:
            now = time.monotonic()
            if now - self._checked >= CACHE_SECONDS:
                self._checked = now
                try:
                    with self.database.unit_of_work() as s:
                        self._figures = shop_figures(s, datetime.now(UTC))
                    self._read_at, self.up = time.monotonic(), True
                except Unavailable:  # the outage is logged once, where it is found (app/db/health.py)
                    self.up = False
                except SQLAlchemyError:  # not an outage the health check knows: say so, keep answering
                    log.warning("could not read the shop figures for /metrics", exc_info=True)
                    self.up = False
            return self._figures, time.monotonic() - self._read_at


class _Collector:
    """This scrape's database and content gauges, for the shops the caller may see (None: every shop)."""

    def __init__(self, gauges: ShopGauges, content: ContentHolder, shops: tuple[str, ...] | None) -> None:
        self.gauges, self.content, self.shops = gauges, content, shops

    def collect(self) -> Iterator[Metric]:
        figures, age = self.gauges.read()
        yield GaugeMetricFamily(
            "shouhou_database_up", "1 when the last read of the shop figures succeeded", value=int(self.gauges.up)
        )
        yield GaugeMetricFamily(
            "shouhou_content_rejected",
            "1 when the last content edit this process saw has errors (the version before it serves)",
            value=int(self.content.rejected is not None),
        )
        if figures is None:
            return
        yield GaugeMetricFamily("shouhou_shop_figures_age_seconds", "age of the per-shop figures", value=age)
        for name, documentation, field in _GAUGES:
            family = GaugeMetricFamily(name, documentation, labels=["shop"])
            for shop, count in sorted(getattr(figures, field).items()):
                if self.shops is None or shop in self.shops:
                    family.add_metric([shop], count)
            yield family


async def _scraper(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> tuple[str, ...] | None:
    """The shops the caller may see: every one with the metrics token, an admin key's own otherwise."""
    token = credentials.credentials if credentials else None
    expected: str = request.app.state.settings.metrics_token
    if expected and token and hmac.compare_digest(token.encode(), expected.encode()):
        return None
    return admit(request, Permission.keys, token).shop_scope


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus 文本格式 the Prometheus text format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **error_responses(401, 403, 429, 503),
    },
    tags=["ops"],
    summary="Prometheus 指标 Prometheus metrics (METRICS_TOKEN or an admin key)",
)
def metrics(request: Request, shops: Annotated[tuple[str, ...] | None, Depends(_scraper)]) -> Response:
    # Not async: the figures may wait for the database, in the thread pool and not on the event loop.
    gauges: ShopGauges = request.app.state.shop_gauges
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(gauges, request.app.state.content, shops))
    body = exposition() + generate_latest(registry)
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)
