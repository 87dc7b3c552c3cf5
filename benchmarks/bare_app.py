"""A bolt app whose listeners only ack: the baseline for ack latency and capacity.

Same HTTP server as Cadence (gunicorn gthread workers, bot/server.py, WEB_CONCURRENCY
processes of WEB_THREADS threads), same signing check and listener pool; nothing else. Run as
`python -m benchmarks.bare_app` with SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL and
PORT in the environment; stops on SIGTERM.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.app import LISTENER_THREADS
from bot.server import WorkerApp, bind, serve
from bot.web import EVENTS_PATH

EVERYTHING = re.compile(".*")


def only_ack(ack: Ack) -> None:
    """Acknowledge and do nothing else."""
    ack()


def build_bare_app() -> App:
    """A bolt App configured like Cadence's, acking every command, action, view and event."""
    app = App(
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS),
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        logger=logging.getLogger("bare.bolt"),
    )
    app.command(EVERYTHING)(only_ack)
    app.action(EVERYTHING)(only_ack)
    app.view(EVERYTHING)(only_ack)
    app.options(EVERYTHING)(only_ack)
    app.event(EVERYTHING)(only_ack)
    return app


def _load() -> WorkerApp:
    bolt = SlackRequestHandler(build_bare_app(), path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == "/healthz":  # what the benchmark waits for
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return bolt(environ, start_response)

    return WorkerApp(application, lambda: None)


def main() -> None:
    """Serve until SIGTERM."""
    logging.basicConfig(level=logging.WARNING)
    serve(
        _load,
        bind("127.0.0.1", int(os.environ["PORT"])),
        workers=int(os.environ.get("WEB_CONCURRENCY", "1")),
        threads=int(os.environ.get("WEB_THREADS", "16")),
        log_level="warning",
    )


if __name__ == "__main__":
    main()
