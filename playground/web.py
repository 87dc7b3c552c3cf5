"""The page's server: the static page, a small JSON API (page_api.py) and server-sent events
that tell the page when the workspace changed. Plain http.server; nothing from the network."""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playground import page_api
from playground.runtime import Playground

logger = logging.getLogger("cadence.playground")

STATIC = Path(__file__).parent / "static"
KEEPALIVE_SECONDS = 15.0

_POSTS: dict[str, Callable[[Playground, dict], dict]] = {
    "/api/send": lambda pg, r: page_api.send(
        pg, user=r["user"], channel=r["channel"], text=r.get("text", ""), thread=r.get("thread")
    ),
    "/api/act": page_api.act,
    "/api/submit": lambda pg, r: page_api.submit(
        pg, user=r["user"], view_id=r["view_id"], values=r.get("values") or {}
    ),
    "/api/close": lambda pg, r: page_api.close(
        pg, view_id=r["view_id"], everything=bool(r.get("everything"))
    ),
    "/api/home": lambda pg, r: page_api.open_home(pg, user=r["user"]),
    "/api/clock": lambda pg, r: page_api.move_clock(pg, move=r.get("move", "")),
}


class PageServer(ThreadingHTTPServer):
    """Serves the page for one playground."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, playground: Playground, host: str, port: int) -> None:
        super().__init__((host, port), _Handler)
        self.playground = playground
        self.closing = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that goes away mid-answer is normal here."""
        logger.debug("page client %s went away", client_address)


class _Handler(BaseHTTPRequestHandler):
    server: PageServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        pg = self.server.playground
        if parts.path == "/api/events":
            self._events()
        elif parts.path == "/api/workspace":
            self._json(200, page_api.workspace(pg))
        elif parts.path == "/api/state" and query.get("user") and query.get("channel"):
            shown = page_api.state(
                pg, user=query["user"], channel=query["channel"], thread=query.get("thread")
            )
            self._json(200, shown)
        else:
            self._static(parts.path)

    def do_POST(self) -> None:
        route = _POSTS.get(urlsplit(self.path).path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if route is None:
            self._json(404, {"ok": False, "error": "not found"})
            return
        try:
            request = json.loads(raw or b"{}")
            self._json(200, route(self.server.playground, request))
        except (page_api.PageError, KeyError, ValueError) as exc:
            self._json(400, {"ok": False, "error": str(exc)})

    # ----- answers -----------------------------------------------------------------------------

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self._send(status, "application/json; charset=utf-8", data)

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _static(self, path: str) -> None:
        name = "index.html" if path in ("", "/") else path.removeprefix("/static/")
        file = (STATIC / name).resolve()
        if not file.is_relative_to(STATIC.resolve()) or not file.is_file():
            self._send(404, "text/plain; charset=utf-8", b"not found")
            return
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("javascript"):
            kind += "; charset=utf-8"
        self._send(200, kind, file.read_bytes())

    def _events(self) -> None:
        """Server-sent events: one `change` whenever what people see changed."""
        fake = self.server.playground.fake
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = -1
        try:
            while not self.server.closing:
                version = fake.wait_for_change(seen, KEEPALIVE_SECONDS)
                if version != seen:
                    seen = version
                    self.wfile.write(f"event: change\ndata: {version}\n\n".encode())
                else:
                    self.wfile.write(b": keepalive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


def make_page_server(playground: Playground, *, host: str, port: int) -> PageServer:
    """The page's HTTP server; call serve_forever() and close() it."""
    return PageServer(playground, host, port)
