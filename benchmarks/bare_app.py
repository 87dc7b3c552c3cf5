"""A bolt app whose listeners only ack: the baseline for ack latency (benchmark 1).

Same HTTP server stack (bot.serve), same signing check and listener pool as Cadence; nothing
else. Run as `python -m benchmarks.bare_app` with SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN,
SLACK_API_URL and PORT in the environment; stops on SIGTERM.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import LISTENER_THREADS
from bot.serve import make_http_server

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


def main() -> None:
    """Serve until SIGTERM."""
    logging.basicConfig(level=logging.WARNING)
    server = make_http_server(build_bare_app(), host="127.0.0.1", port=int(os.environ["PORT"]))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop.wait()
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
