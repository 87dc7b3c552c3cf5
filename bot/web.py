"""The WSGI application: Slack's requests to bolt, plus /healthz, /readyz and /metrics.

Every Slack request is timed from arrival to answer (the ack), counted per request kind in
/metrics, logged with its kind, team, user and latency, and its context is handed to the
listener threads so their log lines say which request they belong to.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy import Engine

from bot import metrics
from bot.health import Readiness
from bot.logs import REQUEST, RequestContext

logger = logging.getLogger("cadence.http")

EVENTS_PATH = "/slack/events"
API_PATH = "/api/"
LABEL_MAX = 64
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def request_kind(body: dict[str, Any]) -> str:
    """What a Slack request is, for metrics and logs: `command /cadence`, `action ID`…"""
    if "command" in body:
        kind = f"command {body['command']}"
    elif body.get("type") == "event_callback":
        kind = f"event {(body.get('event') or {}).get('type', '?')}"
    elif body.get("type") == "block_actions":
        kind = f"action {((body.get('actions') or [{}])[0]).get('action_id', '?')}"
    elif body.get("type") in ("view_submission", "view_closed"):
        kind = f"view {(body.get('view') or {}).get('callback_id', '?')}"
    elif body.get("type") in ("block_suggestion", "shortcut", "message_action"):
        kind = f"{body['type']} {body.get('action_id') or body.get('callback_id') or '?'}"
    else:
        kind = str(body.get("type") or "unknown")
    return kind[:LABEL_MAX]


def _context_of(request: BoltRequest) -> RequestContext:
    return RequestContext(
        kind=request_kind(request.body),
        team=request.context.team_id,
        user=request.context.user_id,
    )


class InstrumentedSlackHandler(SlackRequestHandler):
    """bolt's WSGI adapter, timing and describing each request it dispatches."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        """Dispatch to bolt inside the request's logging context; record the ack latency."""
        started = time.perf_counter()
        bolt_request = BoltRequest(
            body=request.get_body(), query=request.query_string, headers=request.get_headers()
        )
        context = _context_of(bolt_request)
        token = REQUEST.set(context)
        try:
            response = self.app.dispatch(bolt_request)
        finally:
            REQUEST.reset(token)
        elapsed = time.perf_counter() - started
        # Unsigned or forged requests are not a kind of their own; keep their labels fixed.
        kind = context.kind if response.status != 401 else "unauthorized"
        metrics.ACK_SECONDS.labels(kind=kind).observe(elapsed)
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s answered %d in %.1f ms", kind, response.status, elapsed * 1000,
                extra={**vars(context), "kind": kind, "status": response.status,
                       "latency_ms": round(elapsed * 1000, 1)},
            )  # fmt: skip
        return response


@dataclass
class Probes:
    """What the operations endpoints read: the readiness check and the database to count."""

    readiness: Callable[[], Readiness] | None = None
    engine: Engine | None = None


def _plain(start_response: Callable[..., Any], status: str, body: bytes, kind: str) -> list[bytes]:
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def build_wsgi_app(app: App, probes: Probes | None = None, api: WSGIApp | None = None) -> WSGIApp:
    """Slack's requests go to bolt; /healthz, /readyz and /metrics answer operators; /api/
    goes to the integration API (bot/api/) when it is given."""
    slack = InstrumentedSlackHandler(app, path=EVENTS_PATH)
    probes = probes or Probes()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if api is not None and str(path).startswith(API_PATH):
            return api(environ, start_response)
        if path == "/healthz":
            return _plain(start_response, "200 OK", b"ok", "text/plain")
        if path == "/readyz":
            return _readyz(probes, start_response)
        if path == "/metrics":
            page = metrics.render_metrics(probes.engine)
            return _plain(start_response, "200 OK", page, metrics.CONTENT_TYPE)
        return slack(environ, start_response)

    return application


def _readyz(probes: Probes, start_response: Callable[..., Any]) -> list[bytes]:
    answer = probes.readiness() if probes.readiness else Readiness(True, "ready", {})
    body = json.dumps({"ready": answer.ready, "reason": answer.reason, **answer.detail}).encode()
    status = "200 OK" if answer.ready else "503 Service Unavailable"
    if not answer.ready:
        logger.warning("Not ready: %s %s", answer.reason, answer.detail)
    return _plain(start_response, status, body, "application/json")
