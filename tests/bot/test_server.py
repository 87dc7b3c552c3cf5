"""`cadence-bot run` on its production server (gunicorn): several worker processes on one
database, a slow listener beside fast requests, metrics added up across workers.

Everything goes over real HTTP to a real subprocess; Slack is the local fake.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest
from sqlalchemy import update
from sqlmodel import select

from cadence.outbox import post_message
from slackfake import FakeSlack
from slackfake.sim import SlackSim
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import GovernanceSession, OutboxMessage, Workflow, WorkspaceSettings
from tests.cast import ADMIN, EVE, GENERAL, GOV, populate
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, _fresh_postgres

REPO = Path(__file__).resolve().parents[2]
TEAM = "T0001"
WORKFLOWS = 6
DMS = 24
START_TIMEOUT = 120.0  # a loaded shared machine starts Python slowly; this catches a stuck one


@dataclass
class Server:
    """`cadence-bot run` in a subprocess, its port and its log file."""

    process: subprocess.Popen
    port: int
    log: Path

    def get(self, path: str) -> tuple[int, str]:
        """GET a path; its status and body."""
        try:
            with urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
                return response.status, response.read().decode()
        except URLError as error:
            if hasattr(error, "code"):
                return error.code, error.read().decode()  # type: ignore[attr-defined]
            raise

    def sim(self, fake: FakeSlack) -> SlackSim:
        """A Slack simulator signing requests to this server."""
        return SlackSim(f"http://127.0.0.1:{self.port}/slack/events", SIGNING_SECRET, fake)

    def json_lines(self) -> list[dict]:
        """Every JSON log line so far."""
        found = []
        for line in self.log.read_text().splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:  # not JSON, or a line still being written
                continue
        return [line for line in found if isinstance(line, dict)]

    def workers(self) -> list[int]:
        """The pids of the worker processes (the master's children)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def cadence_server(
    fake: FakeSlack, workdir: Path, database_url: str, **env: str
) -> Iterator[Server]:
    """Start `python -m bot.cli run` and wait until every worker answers /healthz."""
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))},
        "PYTHONPATH": str(REPO),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "LOG_FORMAT": "json",
        **env,
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = workdir / "cadence.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=workdir,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log)
    try:
        _wait_until_serving(server, workers=int(env.get("WEB_CONCURRENCY", "1")))
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(server: Server, *, workers: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"cadence-bot exited with {server.process.returncode}:\n"
                        f"{server.log.read_text()[-3000:]}")  # fmt: skip
        booted = sum(1 for line in server.json_lines() if line["message"] == "Scheduler started")
        try:
            if booted >= workers and server.get("/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)  # polling a starting process; there is no clock to inject here
    pytest.fail(f"cadence-bot did not serve within {START_TIMEOUT:.0f} s:\n"
                f"{server.log.read_text()[-3000:]}")  # fmt: skip


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path, postgres_database) -> str:
    """An empty database URL on each backend (PostgreSQL first: the one replicas share)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cadence.db'}"
    if postgres_database is None:
        pytest.skip("PostgreSQL is not reachable")
    _fresh_postgres(postgres_database).dispose()
    return postgres_database


def seed_due_work(fake: FakeSlack, database_url: str) -> tuple[list[int], list[str]]:
    """Workflows whose thread is due now (each in its own channel), and DMs queued."""
    engine = make_engine(database_url)
    upgrade(engine)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    with session_scope(engine) as db:
        # Threads open on Monday 00:00 UTC, so this week's are due whatever day it is.
        db.add(WorkspaceSettings(team_id=TEAM, governance_weekday=0, governance_hour=0))
        for n in range(WORKFLOWS):
            channel = f"C0SRV{n:03d}"
            fake.add_channel(channel, name=f"gov-{n}")
            db.add(Workflow(team_id=TEAM, name=f"Flow {n}", name_key=f"flow {n}",
                            channel_id=channel, created_by=ADMIN, created_at=long_ago))  # fmt: skip
        keys = []
        for n in range(DMS):
            user = f"U0DM{n:04d}"
            fake.add_user(user, name=f"dm{n}", real_name=f"Person {n}")
            keys.append(f"server-test-dm-{n}")
            post_message(db, key=keys[-1], channel=user, text=f"Hello {n}", team_id=TEAM)
    with session_scope(engine) as db:
        workflow_ids = [w.id for w in db.exec(select(Workflow)).all()]
    engine.dispose()
    return workflow_ids, keys


def wait_for_outbox(database_url: str, *, timeout: float = 60.0) -> list[OutboxMessage]:
    """Every outbox row once none is pending (or fail with what is left)."""
    engine = make_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with session_scope(engine) as db:
                rows = list(db.exec(select(OutboxMessage)).all())
            pending = [r.idempotency_key for r in rows if r.status == "pending"]
            if not pending and rows:
                return rows
            if time.monotonic() > deadline:
                pytest.fail(f"still pending after {timeout:.0f} s: {pending[:5]}")
            time.sleep(0.2)  # the workers deliver on their own; poll what they stored
    finally:
        engine.dispose()


def metric(page: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    total = 0.0
    for line in page.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        head, value = line.rsplit(" ", 1)
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            total += float(value)
    return total


def test_two_workers_deliver_each_message_once_and_open_one_thread_per_workflow(
    fake_slack, tmp_path, database_url
):
    workflow_ids, dm_keys = seed_due_work(fake_slack, database_url)

    with cadence_server(fake_slack, tmp_path, database_url, WEB_CONCURRENCY="2") as server:
        assert len(server.workers()) == 2
        rows = wait_for_outbox(database_url)
        # Both workers answer Slack: fire concurrent signed requests until both have.
        sim = server.sim(fake_slack)
        replies: list[int] = []

        def ask(_n: int) -> None:
            replies.append(sim.command("/cadence", "help", user=EVE, channel=GENERAL).status)

        for _ in range(5):
            threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            answered_by = {
                line["pid"] for line in server.json_lines() if line["logger"] == "cadence.http"
            }
            if len(answered_by) == 2:
                break
        status, page = server.get("/metrics")

    assert set(replies) == {200}
    assert len(answered_by) == 2, "one worker answered every request"
    # The weekly job ran at start in both workers, and still one thread per workflow.
    engine = make_engine(database_url)
    with session_scope(engine) as db:
        sessions = db.exec(select(GovernanceSession)).all()
    engine.dispose()
    assert Counter(s.workflow_id for s in sessions) == {w: 1 for w in workflow_ids}
    parents = [c for c in fake_slack.calls_to("chat.postMessage")
               if c.ok and "Weekly governance" in str(c.params.get("text"))]  # fmt: skip
    assert sorted(str(c.params["channel"]) for c in parents) == sorted(
        f"C0SRV{n:03d}" for n in range(WORKFLOWS)
    )
    # Every outbox row was sent, and Slack got each exactly once (by its idempotency key).
    assert {r.status for r in rows} == {"sent"}
    posted = Counter(
        c.params["metadata"]["event_payload"]["key"]
        for c in fake_slack.calls_to("chat.postMessage")
        if c.ok and isinstance(c.params.get("metadata"), dict)
    )
    assert set(posted) == {r.idempotency_key for r in rows}
    assert set(dm_keys) <= set(posted)
    assert max(posted.values()) == 1
    # /metrics adds up both workers: two start-up runs of the weekly job, every delivery.
    assert status == 200
    assert metric(page, "cadence_jobs_total", job="open-governance-threads", outcome="ok") >= 2
    assert metric(page, "cadence_outbox_deliveries_total", outcome="sent") == len(rows)
    assert metric(page, "cadence_ack_seconds_count", kind="command /cadence") == len(replies)
    assert metric(page, "cadence_outbox_backlog") == 0


class HoldingFake(FakeSlack):
    """The fake Slack, also telling when a call it was told to hang has arrived."""

    def __init__(self, **kwargs) -> None:
        self.holding = threading.Event()
        super().__init__(**kwargs)

    def _take_fault(self, method: str, *, hang: bool, lost: bool = False):
        fault = super()._take_fault(method, hang=hang, lost=lost)
        if fault is not None and hang and not lost:
            self.holding.set()
        return fault


def test_a_slow_listener_holds_one_thread_while_other_requests_answer_fast(tmp_path):
    hold = 2.5  # under bolt's 3 s ack deadline, so the slow request ends normally
    with HoldingFake() as fake:
        populate(fake)
        url = f"sqlite:///{tmp_path / 'cadence.db'}"
        engine = make_engine(url)
        upgrade(engine)
        with session_scope(engine) as db:
            db.add(Workflow(team_id=TEAM, name="Support", name_key="support", channel_id=GOV,
                            created_by=ADMIN))  # fmt: skip
        engine.dispose()
        with cadence_server(fake, tmp_path, url, WEB_CONCURRENCY="1") as server:
            sim = server.sim(fake)
            assert sim.command("/owner", "", user=ADMIN).status == 200
            fake.wait_for("views.open")
            (form,) = fake.views.values()
            # The owner form looks the person up in Slack before it acks: Slack stalls.
            fake.hang("users.info", seconds=hold)
            slow: list = []
            values = {"Workflow": "Support", "Role": "workflow", "Person": EVE}
            submit = threading.Thread(
                target=lambda: slow.append(sim.submit(form, user=ADMIN, values=values))
            )
            submit.start()
            assert fake.holding.wait(10), "the slow request never reached Slack"

            fast = sim.command("/cadence", "help", user=EVE, channel=GENERAL)

            assert fast.status == 200 and "Cadence commands" in fast.body
            assert fast.elapsed < 1.0
            assert submit.is_alive(), "the slow request should still be held"
            submit.join(hold + 10)
    (reply,) = slow
    assert reply.status == 200 and reply.elapsed >= hold * 0.9
    assert reply.json is not None and reply.json.get("response_action") == "update"


def test_readyz_and_logs_of_the_real_server(fake_slack, tmp_path):
    url = f"sqlite:///{tmp_path / 'cadence.db'}"
    with cadence_server(fake_slack, tmp_path, url, READYZ_OUTBOX_MAX_AGE="60") as server:
        ready = server.get("/readyz")
        server.sim(fake_slack).command("/cadence", "help", user=EVE, channel=GENERAL)
        engine = make_engine(url)
        with session_scope(engine) as db:
            post_message(db, key="stuck", channel="C0NOWHERE", text="never", team_id=TEAM)
            db.exec(update(OutboxMessage).values(  # type: ignore[call-overload]
                created_at=datetime.now(UTC) - timedelta(minutes=5),
                next_attempt_at=datetime.now(UTC) + timedelta(hours=1)))  # fmt: skip
        engine.dispose()
        stuck = server.get("/readyz")

    assert ready[0] == 200 and json.loads(ready[1])["ready"] is True
    assert stuck[0] == 503
    assert json.loads(stuck[1])["reason"] == "outbox stuck"
    lines = server.json_lines()
    assert lines, server.log.read_text()
    request = next(line for line in lines if line["logger"] == "cadence.http")
    assert request["kind"] == "command /cadence"
    assert request["team"] == TEAM and request["user"] == EVE
    assert request["latency_ms"] > 0 and request["status"] == 200
    assert {"time", "level", "logger", "message"} <= set(request)
    text = server.log.read_text()
    assert BOT_TOKEN not in text and SIGNING_SECRET not in text
