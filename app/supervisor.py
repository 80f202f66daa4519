"""A small pre-fork supervisor: worker processes forked from this one, a dead one replaced, signals passed on.

Forking (not spawning) is the point: a worker starts with everything this process imported and built, so it
answers as soon as one process would, and the pages stay shared until written. The supervisor only waits,
for a signal or a child's death, on a self-pipe (``signal.set_wakeup_fd``): it wakes for nothing else.

- SIGINT, SIGTERM: every worker gets SIGTERM; once all have exited, ``run`` returns 0.
- A worker that dies is replaced at once, then at most once per ``RESTART_EVERY`` seconds, so that a worker
  failing on start cannot spin. A worker that exits with ``STARTUP_FAILURE`` before it was ready would fail
  the same way every time (the application or its socket is broken): everything stops, with that status.
- SIGHUP: each worker replaced in turn, the new one ready before the old one stops. SIGTTIN / SIGTTOU: one
  worker more / fewer. (The signals uvicorn's own supervisor understands, with the same meanings.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NoReturn

log = logging.getLogger("app")

STARTUP_FAILURE = 3  # uvicorn's exit status for a server that could not start
RESTART_EVERY = 0.5
READY_TIMEOUT = 60.0
_STOP = frozenset({signal.SIGINT, signal.SIGTERM})
_HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGCHLD)

# What a worker runs: it calls ``ready()`` once it serves, and returns its exit status.
Work = Callable[[Callable[[], None]], int]


@dataclass
class _Worker:
    pid: int
    ready_fd: int  # read end of a pipe the worker writes one byte to once it serves; EOF if it dies first
    ready: bool = False


class Supervisor:
    def __init__(
        self,
        work: Work,
        count: int,
        on_started: Callable[[], None] = lambda: None,
        on_exit: Callable[[int], None] = lambda pid: None,
    ) -> None:
        """``on_started`` runs once the first ``count`` workers are forked: later forks are replacements.
        ``on_exit`` gets the pid of each worker that exited, whatever the reason, once it is reaped."""
        self.work, self.count, self.on_started, self.on_exit = work, count, on_started, on_exit
        self.workers: dict[int, _Worker] = {}  # in the order they were forked
        self.retiring: set[int] = set()  # stopped on purpose: their exit is no failure
        self.stopping = False
        self.failed = False
        self.pending: list[int] = []  # SIGHUP, SIGTTIN, SIGTTOU read but not yet acted on
        self.next_round = 0.0
        self.wake = self.wake_w = -1

    def run(self) -> int:
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        self.wake, self.wake_w = wake_r, wake_w
        # With a Python handler installed, the interpreter writes each signal's number to the wakeup fd; the
        # handler does nothing itself. Installed before the first fork, so no child's death goes unnoticed.
        previous = {sig: signal.signal(sig, _noted) for sig in _HANDLED}
        old_wakeup = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
        try:
            for _ in range(self.count):
                self._fork()
            self.on_started()
            log.info("supervisor %d: %d workers", os.getpid(), self.count)
            self._loop()
            self._stop_all()
            return STARTUP_FAILURE if self.failed else 0
        finally:
            signal.set_wakeup_fd(old_wakeup)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            os.close(wake_r)
            os.close(wake_w)

    def _loop(self) -> None:
        while not self.stopping and not self.failed:
            missing = len(self.workers) < self.count
            self._wait([], max(0.0, self.next_round - time.monotonic()) if missing else None)
            while self.pending and not self.stopping:
                self._on_signal(self.pending.pop(0))
            self._reap()
            if len(self.workers) < self.count and time.monotonic() >= self.next_round and not self.stopping:
                self.next_round = time.monotonic() + RESTART_EVERY
                while len(self.workers) < self.count:
                    self._fork()

    def _on_signal(self, sig: int) -> None:
        if sig == signal.SIGHUP:
            self._replace_all()
        elif sig == signal.SIGTTIN:
            self.count += 1
        elif sig == signal.SIGTTOU and self.count > 1:
            self.count -= 1
            if len(self.workers) > self.count:
                self._retire(next(reversed(self.workers)))  # the newest

    def _wait(self, fds: list[int], timeout: float | None) -> list[int]:
        """Until a signal, one of ``fds`` or the timeout; signals go to ``stopping`` and ``pending``."""
        readable, _, _ = select.select([self.wake, *fds], [], [], timeout)
        if self.wake in readable:
            with contextlib.suppress(BlockingIOError):
                for sig in os.read(self.wake, 512):
                    if sig in _STOP:
                        self.stopping = True
                    elif sig != signal.SIGCHLD:  # SIGCHLD only wakes the loop up: _reap looks
                        self.pending.append(sig)
        return [fd for fd in readable if fd != self.wake]

    def _reap(self) -> None:
        """Collect the workers that exited (only ours: another child of this process is not ours to wait for)."""
        for pid, worker in list(self.workers.items()):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done == 0:
                continue
            ready = self._became_ready(worker)
            del self.workers[pid]
            os.close(worker.ready_fd)
            try:
                self.on_exit(pid)
            except Exception:  # noqa: BLE001 - bookkeeping must never stop the supervisor
                log.exception("after worker %d exited", pid)
            if pid in self.retiring:
                self.retiring.discard(pid)
                continue
            code = os.waitstatus_to_exitcode(status)
            if code == STARTUP_FAILURE and not ready:
                log.error("worker %d could not start (exit status %d): stopping", pid, code)
                self.failed = True
            else:
                log.warning("worker %d died (exit status %d): starting another", pid, code)

    def _fork(self) -> _Worker:
        ready_r, ready_w = os.pipe()
        sys.stdout.flush()  # else what is buffered now would be written once by each process
        sys.stderr.flush()
        # Until the child has put back the default handlers, a signal for it would run the supervisor's
        # handler there and land in the supervisor's pipe, as if sent to the supervisor, and be lost for the
        # child (a SIGTERM ignored): blocked across the fork, the child receives it once it is ready for it.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED)
        try:
            pid = os.fork()
            if pid == 0:
                os.close(ready_r)
                self._child(ready_w, mask)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(ready_w)
        worker = self.workers[pid] = _Worker(pid, ready_r)
        return worker

    def _child(self, ready_w: int, mask: Iterable[int]) -> NoReturn:
        """The worker's whole life: it never returns into the supervisor's code, whatever happens."""
        status = 1
        try:
            status = self._serve(ready_w, mask)
        finally:
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(status)

    def _serve(self, ready_w: int, mask: Iterable[int]) -> int:
        # The supervisor's handlers only feed its pipe: back to the defaults, so that a SIGTERM arriving before
        # the worker's server installs its own handlers ends the worker instead of being lost.
        signal.set_wakeup_fd(-1)
        for sig in _HANDLED:
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
        os.close(self.wake)
        os.close(self.wake_w)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)

        def ready() -> None:
            nonlocal ready_w
            if ready_w >= 0:
                os.write(ready_w, b".")
                os.close(ready_w)
                ready_w = -1

        try:
            return self.work(ready)
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except KeyboardInterrupt:
            return 0  # SIGINT, re-raised by uvicorn once it has shut down gracefully
        except Exception:
            log.exception("worker %d failed", os.getpid())
            return 1

    def _became_ready(self, worker: _Worker) -> bool:
        if not worker.ready and select.select([worker.ready_fd], [], [], 0)[0]:
            worker.ready = os.read(worker.ready_fd, 1) == b"."
        return worker.ready

    def _replace_all(self) -> None:
        """SIGHUP: a new worker per old one, ready before the old one stops; given up on a stop signal."""
        for old in list(self.workers):
            if self.stopping or old not in self.workers:
                return
            new = self._fork()
            deadline = time.monotonic() + READY_TIMEOUT
            while not self.stopping and time.monotonic() < deadline:
                if self._wait([new.ready_fd], deadline - time.monotonic()):
                    break
            if not self._became_ready(new):
                if not self.stopping:
                    log.error("new worker %d not ready in time: keeping worker %d", new.pid, old)
                self._retire(new.pid)
                return
            self._retire(old)

    def _retire(self, pid: int) -> None:
        """Stop one worker and wait for it."""
        self.retiring.add(pid)
        _kill(pid, signal.SIGTERM)
        while pid in self.workers:
            self._reap()
            if pid in self.workers:
                self._wait([], 0.1)

    def _stop_all(self) -> None:
        """SIGTERM to every worker, then wait for all. A further stop signal is passed on as SIGINT: for
        uvicorn a second one means stop waiting for open connections (a second Ctrl+C)."""
        self.retiring |= set(self.workers)
        for pid in self.workers:
            _kill(pid, signal.SIGTERM)
        while self.workers:
            self.stopping = False
            self._wait([], 0.1)
            if self.stopping:
                for pid in self.workers:
                    _kill(pid, signal.SIGINT)
            self._reap()
        self.stopping = True


def _noted(signum: int, frame: object) -> None:
    """Installed for its side effect: the interpreter writes ``signum`` to the wakeup fd."""


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
