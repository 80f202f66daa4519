"""WORKERS > 1: worker processes forked from this one once the engine is built, under uvicorn's supervisor.

uvicorn spawns its workers: each starts a new interpreter, imports the application and builds its own engine,
about 1.3 s of CPU apiece, two at once on two cores, after the supervisor had built one already to check the
content (4.4 s to the first answer). Forked, the workers start with the supervisor's imports and engine and
answer as soon as one worker would. A worker uvicorn forks later (a crashed worker replaced, SIGHUP) builds
its engine from the files like a spawned one, since the content may have changed since start-up.
"""

from __future__ import annotations

import gc
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


def serve_workers(settings: Settings, app: FastAPI) -> None:
    """uvicorn.run(workers=N) shares a listening socket created without TCP_NODELAY, so every keep-alive
    answer waited for the peer's delayed ACK (~44 ms: Nagle). Rewrapping the socket as IPPROTO_TCP lets
    uvicorn set TCP_NODELAY on the accepted connections as it does for one worker."""
    config = uvicorn.Config(app, workers=settings.workers, host=settings.host, port=settings.port, log_config=None,
                            access_log=False)
    bound = config.bind_socket()
    sock = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    multiprocess.get_subprocess = _forked  # uvicorn has no option for this: what its supervisor calls per worker
    gc.freeze()  # the collector in a worker never touches what was built here, so those pages stay shared
    _Supervisor(config, sockets=[sock], app=app).run()


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
        subprocess_started(config, target, sockets, stdin_fileno=None)

    return multiprocessing.get_context("fork").Process(target=worker)
