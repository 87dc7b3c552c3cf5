"""The bot (and the bare baseline) in their own processes, with their resident memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.error import URLError
from urllib.request import urlopen

from bot.serve import EVENTS_PATH
from slackfake import FakeSlack
from tests.conftest import BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0


@dataclass
class Served:
    """An app serving HTTP on 127.0.0.1 in a child process."""

    name: str
    process: subprocess.Popen[bytes]
    port: int

    @property
    def endpoint(self) -> str:
        """Where Slack's requests go."""
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    def rss_mb(self) -> float:
        """Memory now of the server: its master and workers' proportional set size (PSS, so
        pages the forked workers share with the master count once), from Linux /proc, in MiB."""
        pids = [self.process.pid, *children(self.process.pid)]
        return sum(_pss_kib(pid) for pid in pids) / 1024


def children(pid: int) -> list[int]:
    """The child processes of `pid` (a gunicorn master's workers)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise RuntimeError("no Pss in /proc smaps_rollup")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(fake: FakeSlack, port: int, database_url: str, workers: int = 1) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    return {
        **kept,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(workers),
    }


@contextmanager
def served(
    name: str, module: str, args: list[str], env: dict[str, str], port: int
) -> Iterator[Served]:
    """Start `python -m module args` in a scratch directory (no .env) and wait for /healthz."""
    with tempfile.TemporaryDirectory(prefix="cadence-proc-") as cwd:
        log = open(Path(cwd) / "stderr.log", "w+b")  # noqa: SIM115 (read on failure below)
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args], cwd=cwd, env=env, stdout=log, stderr=log
        )
        try:
            _wait_healthy(process, port, log)
            yield Served(name, process, port)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            log.close()


def _wait_healthy(process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode("utf-8", "replace")[-2000:]
            raise RuntimeError(f"the process exited with {process.returncode}:\n{output}")
        try:
            with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered /healthz on port {port} within {START_TIMEOUT:.0f} s")


@contextmanager
def cadence_process(
    fake: FakeSlack, database_url: str, *, workers: int = 1, name: str = "cadence"
) -> Iterator[Served]:
    """`cadence-bot run` in HTTP mode (gunicorn, `workers` processes), on the fake Slack."""
    port = free_port()
    env = _environment(fake, port, database_url, workers)
    with served(name, "bot.cli", ["run"], env, port) as app:
        yield app


@contextmanager
def bare_process(fake: FakeSlack, *, workers: int = 1, name: str = "bare bolt") -> Iterator[Served]:
    """The bare bolt app (benchmarks/bare_app.py) on the same server."""
    port = free_port()
    env = _environment(fake, port, "sqlite://", workers)
    with served(name, "benchmarks.bare_app", [], env, port) as app:
        yield app
