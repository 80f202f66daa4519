"""WORKERS > 1: worker processes forked from this one once the engine is built, each a ``uvicorn.Server``.

Spawned workers (uvicorn's ``--workers``) each start a new interpreter, import the application and build
their own engine, about 1.3 s of CPU apiece, two at once on two cores, after this process had built one
already to check the content (4.4 s to the first answer). Forked, the workers start with this process's
imports and engine and answer as soon as one worker would. A worker forked later (one died, SIGHUP) builds
its engine from the files like a spawned one, since the content may have changed since start-up.

Each worker runs ``uvicorn.Server(config).run(sockets=[its socket])`` with the configuration every server of
ours uses (app/serving.py: the read deadline); forking, restarting and signals are app/supervisor.py's.

Metrics: every worker counts into files in a folder of this instance's own (prometheus-client's multiprocess
mode, app/metrics.py), so that a scrape answered by any worker sees them all. ``metrics_folder`` makes it,
empty, before the application is imported (the library picks its mode at import); the supervisor tells the
library when a worker exits (``mark_process_dead``: its live gauges go; its counts stay in the sums); the folder
is removed when the instance stops.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from app import serving
from app.settings import Settings
from app.supervisor import STARTUP_FAILURE, Supervisor

log = logging.getLogger("app")


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's variable, set here for the workers to inherit


def metrics_folder() -> Path:
    """A new, empty folder for the workers' metric files, named to prometheus-client. Called before anything
    imports it: once imported, the library counts in memory, per process, and scrapes would see one worker."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("metrics_folder() must run before prometheus_client is imported (app/metrics.py)")
    folder = Path(tempfile.mkdtemp(prefix="shouhou-metrics-"))  # TMPDIR, else /tmp: writable in any deployment
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def serve_workers(settings: Settings, app: FastAPI, metrics: Path | None = None) -> int:
    """Serve until stopped; the exit status (3, as uvicorn's, when the port is taken). ``metrics``: the folder
    from ``metrics_folder``, removed at the end."""
    host, port = settings.host, settings.port
    # Bound alone first: any other server on this port, even one of ours sharing its port with its own
    # workers, makes this fail here, at start. Then reserved, never listening, for the workers to share.
    try:
        _socket(host, port, listen=False, share=False).close()
        reserved = _socket(host, port, listen=False)
    except OSError as exc:
        log.error("could not listen on %s:%d: %s", host, port, exc.strerror or exc)
        return STARTUP_FAILURE

    def work(ready: Callable[[], None]) -> int:
        reserved.close()  # the supervisor's; the worker listens on a socket of its own

        async def started() -> None:  # uvicorn calls it once serving, then every timeout_notify seconds
            ready()

        config = serving.config(app, settings, callback_notify=started)
        try:
            sock = _socket(host, port, listen=True, backlog=config.backlog)
        except OSError as exc:
            log.error("worker could not listen on %s:%d: %s", host, port, exc.strerror or exc)
            return STARTUP_FAILURE
        uvicorn.Server(config).run(sockets=[sock])
        return 0

    def forget_start_up_engine() -> None:
        app.state.initial_engine = None  # workers forked from now on build their own from the files

    def exited(pid: int) -> None:
        if metrics is not None:
            from prometheus_client.multiprocess import mark_process_dead

            mark_process_dead(pid, str(metrics))

    gc.freeze()  # the collector in a worker never touches what was built here, so those pages stay shared
    try:
        return Supervisor(work, settings.workers, on_started=forget_start_up_engine, on_exit=exited).run()
    finally:
        reserved.close()
        if metrics is not None:
            shutil.rmtree(metrics, ignore_errors=True)


def _socket(host: str, port: int, *, listen: bool, share: bool = True, backlog: int = 0) -> socket.socket:
    """A TCP socket on HOST:PORT that every worker binds too (SO_REUSEPORT), each listening on its own.

    With one listening socket shared by all workers, whichever worker wakes first accepts: under a load
    balancer's or a client's long-lived keep-alive connections one worker often held them all while the
    other idled (seen in the benchmark as 100 % instead of ~190 % CPU). Separate listeners let the kernel
    spread new connections evenly. IPPROTO_TCP explicitly, so that the event loop sets TCP_NODELAY on accepted
    connections (without it every keep-alive answer waited ~44 ms for the peer's delayed ACK).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    if listen:
        sock.listen(backlog)
    return sock
