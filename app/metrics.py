"""The service's Prometheus metrics (prometheus-client): what each process counts, and the text a scrape reads.

Counted where it happens, one increment each: requests by route template and status with their latency
(app/http/access.py), match outcomes by intent (app/suggest/service.py), content reloads (app/reload.py),
rate-limit refusals (app/auth/guard.py). The gauges computed from the database at scrape time are
app/scrape.py's.

With several worker processes (WORKERS > 1) every process writes its counts to files in a folder of the
service's own (prometheus-client's multiprocess mode) and a scrape, answered by any one worker, adds up all of
them. The library picks its mode when it is first imported, from ``PROMETHEUS_MULTIPROC_DIR``: app/workers.py
sets that (a fresh folder) before the application is imported, and removes the folder at exit. One process
counts in memory and also exports the standard ``process_*`` and ``python_*`` metrics.

Label values come from bounded sets only (route templates, never raw paths; the content's intents; a few
outcomes), so that no client can make the series grow without end.
"""

from __future__ import annotations

import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # the library's own variable; the service sets it (app/workers.py)
# From 1 ms (a plain suggestion is ~0.5 ms of CPU) to 10 s (the read deadline, READ_TIMEOUT_SECONDS).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"})

# The mode prometheus-client chose when it was imported (just now, or earlier by the same rule).
_FOLDER = os.environ.get(MULTIPROC_ENV)
disable_created_metrics()  # the *_created series: twice the output for a start time nobody graphs

REQUESTS = Counter(
    "shouhou_http_requests", "HTTP requests answered, by route template and status", ("method", "route", "status")
)
LATENCY = Histogram(
    "shouhou_http_request_duration_seconds",
    "time from a request's arrival to the end of its answer, by route template",
    ("method", "route"),
    buckets=LATENCY_BUCKETS,
)
OUTCOMES = Counter(
    "shouhou_suggest_outcomes",
    "suggestions by the engine's decision (matched, ambiguous, no_match) and best intent (`none`: no candidate)",
    ("outcome", "intent"),
)
RELOADS = Counter(
    "shouhou_content_reloads",
    "content reloads in this process: `live` (a new version), `unchanged`, `rejected` (errors; the last good stays)",
    ("outcome",),
)
RATE_LIMITED = Counter(
    "shouhou_rate_limited",
    "requests refused with 429: `key` (a key's requests per minute), `auth_failures` (an address's wrong keys)",
    ("limit",),
)

# Children of the labelled metrics, looked up once per label set: ``labels()`` validates and locks each
# time (~2 µs), a dict lookup is ~50 ns. Bounded like the labels themselves.
_requests: dict[tuple[str, str, int], Counter] = {}
_latency: dict[tuple[str, str], Histogram] = {}
_outcomes: dict[tuple[str, str], Counter] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    if method not in METHODS:
        method = "other"
    counter = _requests.get((method, route, status))
    if counter is None:
        counter = _requests[(method, route, status)] = REQUESTS.labels(method, route, str(status))
    counter.inc()
    histogram = _latency.get((method, route))
    if histogram is None:
        histogram = _latency[(method, route)] = LATENCY.labels(method, route)
    histogram.observe(seconds)


def count_outcome(outcome: str, intent: str) -> None:
    counter = _outcomes.get((outcome, intent))
    if counter is None:
        counter = _outcomes[(outcome, intent)] = OUTCOMES.labels(outcome, intent)
    counter.inc()


def exposition() -> bytes:
    """Every process's counts, in the Prometheus text format."""
    if not _FOLDER:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, _FOLDER)
    return generate_latest(registry)
