"""An in-process HTTP server for tests and benchmarks that embed Cadence in their own process.

Production serves through gunicorn (bot/server.py, `cadence-bot run`); this threaded stdlib
server runs the same WSGI application (bot/web.py) inside a test, on a port chosen by the OS.
"""

from __future__ import annotations

import logging
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App

from bot.web import EVENTS_PATH, Probes, WSGIApp, build_wsgi_app

__all__ = ["EVENTS_PATH", "make_http_server"]

logger = logging.getLogger(__name__)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


def make_http_server(
    app: App,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    probes: Probes | None = None,
    api: WSGIApp | None = None,
) -> WSGIServer:
    """A threaded HTTP server for the app (and the integration API when given); call
    serve_forever() and shutdown()."""
    return make_server(
        host,
        port,
        build_wsgi_app(app, probes, api),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
