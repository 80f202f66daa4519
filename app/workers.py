"""WORKERS > 1: worker processes forked from this one once the engine is built, under uvicorn's supervisor.

uvicorn spawns its workers: each starts a new interpreter, imports the application and builds its own engine,
about 1.3 s of CPU apiece, two at once on two cores, after the supervisor had built one already to check the
content (4.4 s to the first answer). Forked, the workers start with the supervisor's imports and engine and
answer as soon as one worker would. A worker uvicorn forks later (a crashed worker replaced, SIGHUP) builds
its engine from the files like a spawned one, since the content may have changed since start-up.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import signal
import socket
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn._subprocess import subprocess_started
from uvicorn.supervisors import multiprocess

from app.settings import Settings

log = logging.getLogger("app")


def serve_workers(settings: Settings, app: FastAPI) -> int:
    """Serve until stopped; the exit status (3, as uvicorn's, when the port is taken)."""
    config = uvicorn.Config(
        app, workers=settings.workers, host=settings.host, port=settings.port, log_config=None, access_log=False
    )
    # Bound alone first: any other server on this port, even one of ours sharing its port with its own
    # workers, makes this fail here, at start. Then reserved, never listening, for the workers to share.
    try:
        _socket(config, listen=False, share=False).close()
        reserved = _socket(config, listen=False)
    except OSError as exc:
        log.error("could not listen on %s:%d: %s", config.host, config.port, exc.strerror or exc)
        return 3
    multiprocess.get_subprocess = _forked  # uvicorn has no option for this: what its supervisor calls per worker
    gc.freeze()  # the collector in a worker never touches what was built here, so those pages stay shared
    _Supervisor(config, sockets=[reserved], app=app).run()
    return 0


def _socket(config: uvicorn.Config, *, listen: bool, share: bool = True) -> socket.socket:
    """A TCP socket on HOST:PORT that every worker binds too (SO_REUSEPORT), each listening on its own.

    With one listening socket shared by all workers, whichever worker wakes first accepts: under a load
    balancer's or a client's long-lived keep-alive connections one worker often held them all while the
    other idled (seen in the benchmark as 100 % instead of ~190 % CPU). Separate listeners let the kernel
    spread new connections evenly. IPPROTO_TCP explicitly, so uvicorn sets TCP_NODELAY on accepted
    connections (without it every keep-alive answer waited ~44 ms for the peer's delayed ACK).
    """
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError:
        sock.close()
        raise
    if listen:
        sock.listen(config.backlog)
    sock.set_inheritable(True)
    return sock


class _Supervisor(multiprocess.Multiprocess):
    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket], app: FastAPI) -> None:
        super().__init__(config, sockets)
        self.app = app

    def init_processes(self) -> None:
        super().init_processes()
        self.app.state.initial_engine = None  # later workers build their own from the files


def _forked(config: uvicorn.Config, target: Callable[..., None], sockets: list[socket.socket]) -> Any:
    def worker() -> None:
        # The supervisor's handlers only queue signals for its own loop; a worker that inherited them would
        # ignore a SIGTERM arriving before its server installs its own.
        for sig in multiprocess.SIGNALS:
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
        for reserved in sockets:
            reserved.close()
        subprocess_started(config, target, [_socket(config, listen=True)], stdin_fileno=None)

    return multiprocessing.get_context("fork").Process(target=worker)
