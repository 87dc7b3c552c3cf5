"""Opening the week's threads: exactly one per workflow per week, whatever happens."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from bot.app import build_deliverer
from bot.jobs import open_due_threads
from cadence.governance import threads as governance
from cadence.governance.schedule import Schedule
from cadence.governance.settings import update_schedule
from storage import clock
from storage.db import make_engine, new_session, session_scope
from storage.models import GovernanceSession, OutboxMessage
from tests.cadence.helpers import ADMIN, make_workflow
from tests.conftest import make_settings

FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NAMES = ["Support resolution", "Onboarding", "Claims", "Refunds", "Invoices"]


@pytest.fixture
def at() -> object:
    """Set Cadence's clock: at(moment)."""
    yield lambda moment: clock.set_clock(lambda: moment)
    clock.set_clock(None)


def register_workflows(engine, names=NAMES) -> None:
    with session_scope(engine) as db:
        for name in names:
            make_workflow(db, name)


def count(engine, model) -> int:
    with new_session(engine) as db:
        return int(db.exec(select(func.count()).select_from(model)).one())


def parent_keys(engine) -> list[str]:
    with new_session(engine) as db:
        keys = db.exec(select(OutboxMessage.idempotency_key)).all()
    return sorted(k for k in keys if k.endswith(":parent"))


def test_nothing_opens_before_the_moment_and_everything_once_after(engine, at):
    at(FRIDAY)
    register_workflows(engine)
    at(datetime(2026, 11, 23, 8, 59, 59, tzinfo=UTC))
    assert open_due_threads(engine, default_zone="UTC").opened == []
    at(MONDAY_9)
    first = open_due_threads(engine, default_zone="UTC")
    second = open_due_threads(engine, default_zone="UTC")
    assert len(first.opened) == 5 and second.opened == [] and second.already_open == 5
    assert count(engine, GovernanceSession) == 5 and len(parent_keys(engine)) == 5


def test_the_default_time_zone_places_the_week_and_the_moment(engine, at):
    at(FRIDAY)
    register_workflows(engine, ["Support resolution"])
    # Monday 09:00 in New York is 14:00 UTC.
    at(datetime(2026, 11, 23, 13, 59, tzinfo=UTC))
    assert open_due_threads(engine, default_zone="America/New_York").opened == []
    at(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))
    assert len(open_due_threads(engine, default_zone="America/New_York").opened)


def test_a_crash_halfway_leaves_whole_workflows_and_the_rerun_completes(engine, at, monkeypatch):
    at(FRIDAY)
    register_workflows(engine)
    at(MONDAY_9)
    real, calls = governance.open_session, []

    def crash_on_the_third(db, **kwargs):
        calls.append(kwargs["workflow_id"])
        if len(calls) == 3:
            raise ConnectionError("the database went away")
        return real(db, **kwargs)

    monkeypatch.setattr(governance, "open_session", crash_on_the_third)
    with pytest.raises(ConnectionError):
        open_due_threads(engine, default_zone="UTC")
    # Each workflow's session and its thread message are one transaction: both or neither.
    assert count(engine, GovernanceSession) == 2 and len(parent_keys(engine)) == 2
    monkeypatch.setattr(governance, "open_session", real)
    report = open_due_threads(engine, default_zone="UTC")
    assert (len(report.opened), report.already_open) == (3, 2)
    assert count(engine, GovernanceSession) == 5 and len(parent_keys(engine)) == 5


def test_settings_move_the_opening_without_a_restart(engine, at):
    at(FRIDAY)
    register_workflows(engine, ["Support resolution"])
    with session_scope(engine) as db:
        update_schedule(
            db,
            team_id="T0TEAM",
            actor=ADMIN,
            default_zone="UTC",
            wanted=Schedule("Europe/Paris", 2, 14, 30),
        )
    at(MONDAY_9)
    assert open_due_threads(engine, default_zone="UTC").teams_due == 0
    at(datetime(2026, 11, 25, 13, 29, tzinfo=UTC))  # Wednesday 14:29 in Paris
    assert open_due_threads(engine, default_zone="UTC").opened == []
    at(datetime(2026, 11, 25, 13, 30, tzinfo=UTC))
    assert len(open_due_threads(engine, default_zone="UTC").opened) == 1
    with new_session(engine) as db:
        assert db.exec(select(GovernanceSession)).one().week_start == date(2026, 11, 23)


def test_two_processes_on_one_database_open_each_thread_once(any_engine, fake_slack, at):
    """Two bot processes: separate engines (connection pools) and deliverers, one database."""
    url = any_engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]
    at(FRIDAY)
    register_workflows(any_engine)
    at(MONDAY_9)
    start, errors = threading.Barrier(4), []

    def process(engine) -> None:
        try:
            start.wait()
            for _ in range(3):
                open_due_threads(engine, default_zone="UTC")
        except Exception as exc:  # surfaced below
            errors.append(exc)

    workers = [threading.Thread(target=process, args=(e,)) for e in engines * 2]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert errors == []
    assert count(any_engine, GovernanceSession) == 5 and len(parent_keys(any_engine)) == 5

    deliverers = [
        build_deliverer(make_settings(fake_slack, url), e, retries=False, channel_pace=0)
        for e in engines
    ]
    go = threading.Barrier(2)

    def deliver(deliverer) -> None:
        go.wait()
        for _ in range(3):
            deliverer.deliver_due()

    senders = [threading.Thread(target=deliver, args=(d,)) for d in deliverers]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(30)
    posted = [c.params["text"] for c in fake_slack.calls_to("chat.postMessage") if c.ok]
    threads = [t.split(" — ")[0] for t in posted if t.startswith("Weekly governance")]
    assert sorted(threads) == sorted(f"Weekly governance: {n}" for n in NAMES)
    for engine in engines:
        engine.dispose()


def test_a_stopped_workflow_is_explained_and_a_new_one_says_when_its_first_thread_opens(engine, at):
    at(FRIDAY)
    register_workflows(engine, ["Support resolution"])
    with session_scope(engine) as db:
        stopped = make_workflow(db, "Claims")
        stopped.status, stopped.re_review_on = "stopped", date(2026, 12, 9)
    at(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # Tuesday: registered after the opening
    with session_scope(engine) as db:
        make_workflow(db, "Refunds")
    report = open_due_threads(engine, default_zone="Europe/Paris")
    lines = report.summary().splitlines()
    assert lines[0] == "opened 1 thread(s), 0 already open, 1 workspace(s) due"
    assert lines[1:] == [
        "  Claims is stopped until its re-review week (Wed 9 Dec), so it has no weekly thread; "
        "`/cadence review Claims` opens one now.",
        "  Refunds was registered after this week's opening (Mon 09:00); its first weekly "
        "thread opens Mon 30 Nov; `/cadence review Refunds` opens one now.",
    ]
