"""Hot reload: content edits go live within seconds, fully checked, swapped in whole or not at all.

A new engine (tokenizer, catalog, indexes, policy) is built and linted beside the live one; only if it
has no error does one reference assignment make it live, so a request sees the old phrasebook or the
new, never half of each. A broken edit leaves the last good version serving and is kept for the
editors to read at GET /v1/phrasebook/status.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from app.core.clock import SHOP_TZ
from app.core.content.errors import ContentError
from app.core.content.loader import CONTENT_FOLDERS, content_digest
from app.core.engine import Engine
from app.core.lint import Report, build_checked
from app.errors import Unavailable
from app.metrics import RELOADS

log = logging.getLogger("app.reload")


@dataclass
class Rejected:
    version: str
    at: datetime
    errors: list[ContentError]


@dataclass
class Outcome:
    accepted: bool
    live_version: str
    changed: bool
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentError] = field(default_factory=list)


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every content file with (mtime, size, inode): editors that save by rename change the inode."""
    found = {}
    for sub in CONTENT_FOLDERS:
        base = root / sub
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.endswith((".yaml", ".yml")):
                    path = Path(dirpath) / name
                    try:
                        st = path.stat()
                    except FileNotFoundError:  # deleted between listing and stat: the next poll sees it
                        continue
                    found[path.relative_to(root).as_posix()] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return found


def settle(*, thaw: bool = False) -> None:
    """Hide what is alive now (the imports and the live engine) from the garbage collector.

    A full collection walks every tracked object: with the engine loaded that is a pause of ~50 ms, a few
    times a minute under load, straight into the latency tail. Frozen objects are never walked. ``thaw``
    (after a reload) first lets the collector see the frozen objects again, so a replaced engine caught in a
    reference cycle is freed instead of kept forever.
    """
    if thaw:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


class ContentHolder:
    """Owns the live engine; ``engine`` is read once per request."""

    def __init__(
        self,
        root: Path,
        cache_dir: Path | None,
        engine: Engine,
        on_live: Callable[[Engine, Engine | None, str, list[str]], None] | None = None,
    ) -> None:
        self.root, self.cache_dir = root, cache_dir
        self.engine = engine
        self.live_since = datetime.now(SHOP_TZ)
        self.rejected: Rejected | None = None
        self._on_live = on_live
        self._lock = threading.Lock()  # one build at a time; readers never wait for it
        self._seen = snapshot(root)
        self._pending: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._follower: threading.Thread | None = None
        self._followed = 0

    def reload(self, trigger: str) -> Outcome:
        with self._lock:
            before, self._seen = self._seen, snapshot(self.root)
            touched = sorted(k for k in before.keys() | self._seen.keys() if before.get(k) != self._seen.get(k))
            try:
                engine, report = build_checked(self.root, self.cache_dir, reuse=self.engine)
            except Exception as exc:  # noqa: BLE001 - whatever the content does, editors read it in the status
                log.exception("content could not be built (%s)", trigger)
                problem = f"内容无法加载,详见服务日志 content could not be loaded ({type(exc).__name__}; see the log)"
                engine, report = None, Report((ContentError("", 0, 0, problem),), ())
            if engine is None:
                self._pending += touched  # a broken edit's files belong to the next version that goes live
                self.rejected = Rejected(content_digest(self.root), datetime.now(SHOP_TZ), list(report.errors))
                RELOADS.labels("rejected").inc()
                log.warning(
                    "content rejected (%s): %d errors; %s stays live", trigger, len(report.errors), self.engine.version
                )
                return Outcome(False, self.engine.version, False, list(report.errors), list(report.warnings))
            previous = self.engine
            changed = engine.version != previous.version
            if changed:
                self.engine = engine  # the swap: a single reference assignment
                self.live_since = datetime.now(SHOP_TZ)
                log.info("content %s live (%s), was %s", engine.version, trigger, previous.version)
                if self._on_live is not None:
                    self._on_live(engine, previous, trigger, self._pending + touched)
                del previous
                settle(thaw=True)
            self._pending = []  # live now, or back to exactly the live content
            self.rejected = None
            RELOADS.labels("live" if changed else "unchanged").inc()
            return Outcome(True, self.engine.version, changed, [], list(report.warnings))

    def watch(self, interval: float = 0.25) -> None:
        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    current = snapshot(self.root)
                    if current != self._seen:
                        # Let a burst of writes settle (an editor writing several files) before building.
                        self._stop.wait(interval / 2)
                        self.reload("file change")
                except Exception:  # noqa: BLE001 - the watcher must outlive any single failure
                    log.exception("content watcher failed; will retry")

        self._thread = threading.Thread(target=loop, name="content-watcher", daemon=True)
        self._thread.start()

    def follow(self, latest: Callable[[], tuple[int, str] | None], interval: float = 2.0) -> None:
        """Pick up versions other instances made live (an admin reload sent to one of N instances).

        ``latest`` reads the newest recorded version. Only a new record triggers a reload, so an
        instance whose files differ from the others' does not rebuild on every poll; it says so once.
        """
        seen = latest()
        self._followed = seen[0] if seen else 0

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    found = latest()
                    if found is None or found[0] <= self._followed:
                        continue
                    self._followed, version = found
                    if version != self.engine.version:
                        outcome = self.reload("version check")
                        if outcome.live_version != version:
                            log.warning(
                                "version %s went live on another instance, but this instance's content "
                                "files build %s: are the content folders shared?",
                                version,
                                outcome.live_version,
                            )
                except Unavailable:
                    continue  # a database outage, logged once where it was found (app/db/health.py)
                except Exception:  # noqa: BLE001 - a database hiccup must not stop the follower
                    log.exception("phrasebook version check failed; will retry")

        self._follower = threading.Thread(target=loop, name="content-follower", daemon=True)
        self._follower.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in (self._thread, self._follower):
            if thread is not None:
                thread.join(timeout=5)
