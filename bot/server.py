"""The production HTTP server: gunicorn, `gthread` workers, one port, WEB_CONCURRENCY processes.

Why gunicorn with threads: the bolt App is synchronous, and a synchronous App dispatched inside
an `async def` would block an event loop. Each gthread worker serves requests from a pool of
threads, so a slow listener holds one thread and never the others; WEB_CONCURRENCY worker
processes share one listening socket, and each builds its own Cadence (bot/runtime.py) after
the fork. The master process binds the port itself, so a busy port is reported plainly.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger

from bot import metrics
from bot.web import WSGIApp

logger = logging.getLogger("cadence")

# SIGTERM to SIGKILL for a worker: room to store a full backlog of acked votes (256 on one
# thread: ~3 s on SQLite, ~6 s on PostgreSQL on a busy 2-core host), then bot.app's
# REPLY_DRAIN_SECONDS for confirmations (tests/bot/test_server_drain.py).
GRACEFUL_TIMEOUT_SECONDS = 20
# gunicorn restarts a worker silent for this long; a thread is always free to heartbeat.
WORKER_TIMEOUT_SECONDS = 30


@dataclass
class WorkerApp:
    """What a worker process serves, and how to stop what it started."""

    wsgi: WSGIApp
    stop: Callable[[], None]


class _StandardLogging(Logger):
    """gunicorn's own messages go through the root logger (text or JSON, redacted)."""

    def setup(self, cfg: Any) -> None:
        """No handlers of gunicorn's own; no access log (Cadence logs each Slack request)."""
        for log in (self.error_log, self.access_log):
            log.handlers[:] = []
        self.error_log.propagate = True
        self.error_log.setLevel(logging.NOTSET)
        self.access_log.disabled = True


class _Arbiter(Arbiter):
    """gunicorn's master, saying in Cadence's words when it is asked to stop."""

    def handle_term(self) -> None:
        """SIGTERM: finish the requests in flight, then stop."""
        logger.info("Received SIGTERM, stopping.")
        super().handle_term()

    def handle_int(self) -> None:
        """SIGINT (Ctrl-C): stop now."""
        logger.info("Received SIGINT, stopping.")
        super().handle_int()


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn run from Python: `load` builds each worker's app after the fork."""

    def __init__(self, load: Callable[[], WorkerApp], options: dict[str, Any]) -> None:
        self._load = load
        self._options = options
        self._worker_app: WorkerApp | None = None
        super().__init__()

    def load_config(self) -> None:
        """Apply our options to gunicorn's config."""
        for key, value in self._options.items():
            self.cfg.set(key, value)
        self.cfg.set("worker_exit", self._worker_exit)
        self.cfg.set("child_exit", _child_exit)

    def load(self) -> WSGIApp:
        """Build this worker's app (called in each worker process)."""
        self._worker_app = self._load()
        return self._worker_app.wsgi

    def _worker_exit(self, _server: Any, _worker: Any) -> None:
        if self._worker_app is not None:
            self._worker_app.stop()

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT; raises SystemExit with gunicorn's exit status."""
        _Arbiter(self).run()


def _child_exit(_server: Any, worker: Any) -> None:
    metrics.worker_exited(worker.pid)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a taken port fails before anything starts."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError:
        listener.close()
        raise
    return listener


def serve(
    load: Callable[[], WorkerApp],
    listener: socket.socket,
    *,
    workers: int,
    threads: int,
    log_level: str = "info",
) -> int:
    """Run gunicorn on `listener` with `workers` processes of `threads` threads; exit status."""
    options = {
        "bind": [f"fd://{listener.detach()}"],  # gunicorn now owns the descriptor
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": WORKER_TIMEOUT_SECONDS,
        "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
        "keepalive": 5,
        "logger_class": _StandardLogging,
        "loglevel": log_level.lower(),
        "proc_name": "cadence",
    }
    master = os.getpid()
    # What the master imported lives as long as the process and its forks: frozen before the
    # fork, the workers' garbage collections never walk it (nor write to its pages, which
    # they then keep sharing with the master).
    gc.collect()
    gc.freeze()
    try:
        GunicornServer(load, options).run()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
        if os.getpid() != master:
            # A worker leaves through gunicorn's sys.exit(); it must not unwind the master's
            # stack (its temporary metrics directory, its "stopped" message) on the way out.
            logging.shutdown()
            os._exit(code)
        return code
    return 0
