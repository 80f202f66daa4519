"""A log line for every refused request (401, 403, 429), so that a guessing or misconfigured client is seen.

Refusals are what an attacker can produce at will, so the lines are rate-limited: at most
``PER_SOURCE`` a minute for one client address and ``PER_MINUTE`` in all; what is held back is
counted and reported in the next line that goes out. Nothing secret is written: the key's public id
(the part before its secret), never the secret; the path is cut short; the formatter masks personal
data and escapes line breaks like in every line (app/logs.py).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

from starlette.types import Scope

log = logging.getLogger("app.security")
PER_MINUTE = 60
PER_SOURCE = 10
_KEY_ID = re.compile(r"^shk_([0-9a-f]{12})_")


class Throttle:
    """Fixed one-minute windows: a line per (source) at most ``per_source`` times, ``per_minute`` in all."""

    def __init__(self, per_minute: int, per_source: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.per_source, self.clock = per_minute, per_source, clock
        self._window = -1
        self._total = 0
        self._by_source: dict[str, int] = {}
        self._held = 0
        self._lock = threading.Lock()

    def admit(self, source: str) -> int | None:
        """None: hold this line back. Otherwise the number of lines held back since the last one went out."""
        window = int(self.clock() // 60)
        with self._lock:
            if window != self._window:
                self._window, self._total, self._by_source = window, 0, {}
            seen = self._by_source.get(source, 0)
            if self._total >= self.per_minute or seen >= self.per_source:
                self._held += 1
                return None
            if len(self._by_source) < 10_000:  # past that many sources in a minute, the total cap does the work
                self._by_source[source] = seen + 1
            self._total += 1
            held, self._held = self._held, 0
            return held


_fallback = Throttle(PER_MINUTE, PER_SOURCE)


def _throttle(scope: Scope) -> Throttle:
    """The app's own throttle (app.state.refusals, made by the app factory), so that apps never share one."""
    app = scope.get("app")
    found = getattr(getattr(app, "state", None), "refusals", None)
    return found if isinstance(found, Throttle) else _fallback


def presented_key_id(token: str | None) -> str:
    """The public id of a key as presented (``shk_<id>_…``), or "-": never any of its secret."""
    m = _KEY_ID.match(token or "")
    return m.group(1) if m else "-"


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


def refused(scope: Scope, status: int, code: str) -> None:
    """Log one refused request, unless the throttle holds it back."""
    key_id = presented_key_id(_bearer(scope))
    client = scope.get("client")
    source = client[0] if client else "-"
    held = _throttle(scope).admit(source)
    if held is None:
        return
    log.warning(
        "refused %d %s: %s %s from %s key=%s%s",
        status,
        code,
        scope.get("method", "-"),
        str(scope.get("path", ""))[:120],
        source,
        key_id,
        f" ({held} more refusals not logged)" if held else "",
    )
