"""/healthz, /readyz and /metrics of the WSGI app, served in-process over real HTTP."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from prometheus_client import values
from sqlalchemy import Engine

from bot import metrics
from bot.app import build_app, build_deliverer
from bot.health import ReadinessCheck
from bot.jobs import Job, JobRuntime, run_job
from bot.serve import make_http_server
from bot.web import EVENTS_PATH, Probes, request_kind
from cadence.outbox import post_message
from slackfake import FakeSlack
from slackfake.sim import SlackSim
from storage.db import make_engine, session_scope
from tests.cast import EVE, GENERAL
from tests.conftest import SIGNING_SECRET, make_settings

MAX_AGE = 600


@dataclass
class Served:
    """The WSGI app on a free port, with a Slack simulator pointed at it."""

    base: str
    sim: SlackSim
    engine: Engine

    def get(self, path: str) -> tuple[int, str]:
        """GET `path`: status and body."""
        try:
            with urlopen(self.base + path, timeout=10) as response:
                return response.status, response.read().decode()
        except HTTPError as error:
            return error.code, error.read().decode()

    def metric(self, name: str, **labels: str) -> float:
        """One sample of /metrics (0 when absent)."""
        wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
        head = f"{name}{{{wanted}}}" if labels else name
        for line in self.get("/metrics")[1].splitlines():
            if line.rsplit(" ", 1)[0] == head:
                return float(line.rsplit(" ", 1)[1])
        return 0.0


def serve(fake: FakeSlack, engine: Engine, database_url: str) -> Iterator[Served]:
    """Cadence's WSGI app with real probes, on the in-process server."""
    settings = make_settings(fake, database_url)
    app = build_app(settings, engine)
    probes = Probes(ReadinessCheck(engine, outbox_max_age_seconds=MAX_AGE), engine)
    server = make_http_server(app, probes=probes)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        yield Served(base, SlackSim(base + EVENTS_PATH, SIGNING_SECRET, fake), engine)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def served(fake_slack, engine, tmp_path) -> Iterator[Served]:
    """The app on a migrated SQLite database."""
    yield from serve(fake_slack, engine, f"sqlite:///{tmp_path / 'cadence.db'}")


def test_healthz_answers_ok(served):
    assert served.get("/healthz") == (200, "ok")


def test_readyz_is_ready_on_a_migrated_database_with_a_fresh_outbox(served, frozen_clock):
    with session_scope(served.engine) as db:
        post_message(db, key="fresh", channel=GENERAL, text="hi")
    frozen_clock.advance(seconds=MAX_AGE - 1)

    status, body = served.get("/readyz")

    assert status == 200
    answer = json.loads(body)
    assert answer["ready"] is True and answer["outbox_pending"] == 1


def test_readyz_fails_with_a_reason_when_the_oldest_pending_message_is_too_old(
    served, frozen_clock
):
    with session_scope(served.engine) as db:
        post_message(db, key="old", channel=GENERAL, text="hi")
    frozen_clock.advance(seconds=MAX_AGE + 1)

    status, body = served.get("/readyz")

    assert status == 503
    answer = json.loads(body)
    assert answer["ready"] is False and answer["reason"] == "outbox stuck"
    assert answer["outbox_oldest_pending_age_seconds"] == MAX_AGE + 1


def test_readyz_fails_when_migrations_are_not_at_head(fake_slack, tmp_path):
    url = f"sqlite:///{tmp_path / 'unmigrated.db'}"
    engine = make_engine(url)
    try:
        for served in serve(fake_slack, engine, url):
            status, body = served.get("/readyz")
    finally:
        engine.dispose()

    assert status == 503
    assert json.loads(body)["reason"] == "migrations not at head"


def test_readyz_fails_when_the_database_is_unreachable(fake_slack, engine, tmp_path):
    settings = make_settings(fake_slack, f"sqlite:///{tmp_path / 'x.db'}")
    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/nothing?connect_timeout=2")
    check = ReadinessCheck(gone, outbox_max_age_seconds=MAX_AGE)
    server = make_http_server(build_app(settings, engine), probes=Probes(check, gone))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        with pytest.raises(HTTPError) as caught:
            urlopen(f"http://127.0.0.1:{server.server_port}/readyz", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert caught.value.code == 503
    assert json.loads(caught.value.read())["reason"] == "database unreachable"


def test_metrics_count_acks_per_request_kind(served):
    before = served.metric("cadence_ack_seconds_count", kind="command /cadence")
    forged_before = served.metric("cadence_ack_seconds_count", kind="unauthorized")

    for _ in range(3):
        assert served.sim.command("/cadence", "help", user=EVE).status == 200
    served.sim.signing_secret = "not-the-secret"
    assert served.sim.command("/cadence", "help", user=EVE).status == 401

    assert served.metric("cadence_ack_seconds_count", kind="command /cadence") == before + 3
    assert served.metric("cadence_ack_seconds_count", kind="unauthorized") == forged_before + 1
    assert served.metric("cadence_ack_seconds_bucket", kind="command /cadence", le="+Inf") >= 3


def test_metrics_show_the_outbox_backlog_and_its_age(served, frozen_clock):
    with session_scope(served.engine) as db:
        post_message(db, key="a", channel=GENERAL, text="one")
        post_message(db, key="b", channel=GENERAL, text="two")
    frozen_clock.advance(seconds=42)

    assert served.metric("cadence_outbox_backlog") == 2
    assert served.metric("cadence_outbox_oldest_pending_age_seconds") == 42


def test_metrics_count_deliveries_and_429s_per_method(served, fake_slack):
    settings = make_settings(fake_slack, "sqlite://")
    deliverer = build_deliverer(settings, served.engine, retries=False, channel_pace=0)
    post = {"method": "chat.postMessage"}
    before = {
        outcome: served.metric("cadence_outbox_deliveries_total", **post, outcome=outcome)
        for outcome in ("sent", "retried")
    }
    limited = served.metric("cadence_slack_ratelimited_total", **post)
    with session_scope(served.engine) as db:
        post_message(db, key="first", channel=GENERAL, text="one")
    fake_slack.fail("chat.postMessage", status=429, retry_after=0)

    first = deliverer.deliver_due()  # Slack answers 429: retried
    second = deliverer.deliver_due()  # Retry-After 0 has passed: sent

    assert (first.retried, second.sent) == (1, 1)
    assert served.metric("cadence_slack_ratelimited_total", **post) == limited + 1
    for outcome in ("sent", "retried"):
        now = served.metric("cadence_outbox_deliveries_total", **post, outcome=outcome)
        assert now == before[outcome] + 1, outcome


def test_metrics_count_jobs_run_and_failed(served, fake_slack):
    runtime = JobRuntime(make_settings(fake_slack, "sqlite://"), served.engine, None)  # type: ignore[arg-type]

    def broken(_runtime: JobRuntime) -> str:
        raise RuntimeError("boom")

    ok_job = Job(name="test-ok", description="", run=lambda _r: "fine")
    bad_job = Job(name="test-broken", description="", run=broken)
    run_job(ok_job, runtime)
    run_job(ok_job, runtime)
    with pytest.raises(RuntimeError):
        run_job(bad_job, runtime)

    assert served.metric("cadence_jobs_total", job="test-ok", outcome="ok") == 2
    assert served.metric("cadence_jobs_total", job="test-broken", outcome="failed") == 1


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"command": "/cadence", "text": "help"}, "command /cadence"),
        (
            {"type": "block_actions", "actions": [{"action_id": "governance-vote-pause"}]},
            "action governance-vote-pause",
        ),
        ({"type": "view_submission", "view": {"callback_id": "owner-modal"}}, "view owner-modal"),
        ({"type": "event_callback", "event": {"type": "app_home_opened"}}, "event app_home_opened"),
        ({"type": "block_suggestion", "action_id": "pick"}, "block_suggestion pick"),
        ({}, "unknown"),
    ],
)
def test_request_kind_names_the_command_action_view_or_event(body, kind):
    assert request_kind(body) == kind


def test_one_off_commands_count_in_process_even_with_a_multiprocess_directory(
    monkeypatch, tmp_path
):
    missing = tmp_path / "not-created"
    monkeypatch.setenv(metrics.MULTIPROCESS_DIR, str(missing))

    assert metrics.keep_metrics_in_process() == str(missing)
    metrics.JOBS.labels(job="one-off", outcome="ok").inc()

    assert metrics.MULTIPROCESS_DIR not in os.environ
    assert values.ValueClass is values.MutexValue
    assert not missing.exists()
