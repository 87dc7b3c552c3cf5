"""`cadence-bot playground`: where the page listens, and running until Ctrl-C."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from bot.logs import configure_logging
from playground.runtime import Options, Playground
from playground.web import make_page_server

logger = logging.getLogger("cadence.playground")


class PortTaken(OSError):
    """The page's port cannot be used."""


class NotLoopback(ValueError):
    """The page would listen beyond this machine without being told to."""


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def page_host(explicit: str | None, environment: str | None) -> str:
    """The page's address: --host when given; else HOST from the environment if it is loopback,
    else 127.0.0.1. The playground has no login, so it never goes wider unless told to."""
    if explicit:
        return explicit
    if environment and not is_loopback(environment):
        raise NotLoopback(
            f"HOST is set to {environment}, but the playground has no login and serves a whole "
            f"workspace, so it listens on 127.0.0.1 unless told otherwise. To serve it on "
            f"{environment} anyway, pass --host {environment}."
        )
    return environment or "127.0.0.1"


def run(options: Options, *, host: str, port: int) -> int:
    """Start the playground and its page; stop cleanly on Ctrl-C or SIGTERM."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("Received %s, stopping the playground.", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    playground = Playground(options)
    if playground.fresh and not options.empty:
        print("Setting up the playground workspace (a few seconds, first run only)…", flush=True)
    try:
        page = make_page_server(playground, host=host, port=port)
    except OSError as exc:
        raise PortTaken(
            f"The playground cannot listen on {host}:{port}: {exc.strerror or exc}. "
            "Pass --port with a free port."
        ) from None
    try:
        playground.start()
        threading.Thread(target=page.serve_forever, name="page", daemon=True).start()
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        print(f"Cadence playground: http://{shown}:{page.server_port}/  (Ctrl-C to stop)")
        print(f"Kept in {options.database} — `cadence-bot playground --reset` starts over.")
        stop.wait()
        page.closing = True
        page.shutdown()
    finally:
        page.server_close()
        playground.stop()
    return 0


def command(args: argparse.Namespace) -> int:
    """`cadence-bot playground`: 2 when the address is refused, else run until stopped."""
    try:
        host = page_host(args.host, os.environ.get("HOST"))
    except NotLoopback as exc:
        print(str(exc), file=sys.stderr)
        return 2
    configure_logging(logging.WARNING)
    options = Options(
        directory=Path.cwd(),
        zone=os.environ.get("CADENCE_TIMEZONE") or "UTC",
        empty=args.empty,
        reset=args.reset,
    )
    return run(options, host=host, port=args.port)
