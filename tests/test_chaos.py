"""Chaos: the real `cadence-bot run` (HTTP mode, gunicorn) against the fake Slack, with faults
injected from outside, each bounded in time. What must hold every time: nothing lost, nothing
twice, nothing half-written, and the person in front of Slack told what happened."""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import select

from cadence.outbox import post_message
from cadence.vocabulary import OutboxStatus
from slackfake import FakeSlack
from slackfake.sim import SlackSim
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import OutboxMessage
from tests.bot.test_cli import START_TIMEOUT, free_port, slack_env, wait_until_healthy
from tests.cast import ADMIN, BENCH_USERS, EVE, GOV, populate
from tests.conftest import SIGNING_SECRET
from tests.e2e.helpers import said

pytestmark = pytest.mark.slow

LEASE_SECONDS = 3  # a crashed process's message waits this long before the next one takes it


class Bot:
    """`cadence-bot run` in its own process group (master and workers die together)."""

    def __init__(self, fake: FakeSlack, workdir: Path, *, database_url: str | None = None) -> None:
        self.fake, self.workdir = fake, workdir
        self.database = workdir / "cadence.db"
        self.database_url = database_url  # None: SQLite in `database`
        self.port = free_port()
        self.log = workdir / "bot.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.database}"

    def start(self, **extra_env: str) -> None:
        env = slack_env(self.fake, self.workdir, PORT=str(self.port), DATABASE_URL=self.url,
                        OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS), **extra_env)  # fmt: skip
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"], cwd=self.workdir, env=env,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def kill_9(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def sim(self) -> SlackSim:
        wait_until_healthy(self.process, self.port, self.log)  # type: ignore[arg-type]
        return SlackSim(f"http://127.0.0.1:{self.port}/slack/events", SIGNING_SECRET, self.fake)


@contextmanager
def running(
    fake: FakeSlack,
    workdir: Path,
    *,
    dms_to: tuple[str, ...] = (),
    database_url: str | None = None,
    bot_database_url: str | None = None,
) -> Iterator[Bot]:
    """A migrated database with one queued DM to each of `dms_to`, and the bot on it (through
    `bot_database_url` when given: the same database by another way)."""
    bot = Bot(fake, workdir, database_url=bot_database_url or database_url)
    engine = make_engine(database_url or bot.url)
    upgrade(engine)
    with session_scope(engine) as db:
        for user in dms_to:
            fake.add_user(user)
            post_message(db, key=f"chaos:{user}", channel=user, text=f"Reminder for {user}")
    engine.dispose()
    bot.start()
    try:
        yield bot
    finally:
        bot.stop()


def posts(fake: FakeSlack) -> int:
    return len([c for c in fake.calls_to("chat.postMessage") if c.ok])


def assert_each_got_exactly_one(fake: FakeSlack, people: tuple[str, ...], bot: Bot) -> None:
    """Every DM reached its person once, and the database says so."""
    fake.wait_for(lambda: all(fake.dms(u) for u in people), timeout=90)
    assert {u: len(fake.dms(u)) for u in people} == dict.fromkeys(people, 1)
    # The last post's answer may still be on its way into the database.
    deadline = time.monotonic() + 30
    while (statuses := outbox_statuses(bot)) != [OutboxStatus.SENT] * len(people):
        assert time.monotonic() < deadline, statuses
        time.sleep(0.1)  # polling another process's database; no clock to inject here


def outbox_statuses(bot: Bot) -> list[str]:
    engine = make_engine(bot.url)
    try:
        with session_scope(engine) as db:
            return list(db.exec(select(OutboxMessage.status)).all())
    finally:
        engine.dispose()


def test_kill_9_in_the_middle_of_a_fan_out_then_restart(fake_slack, tmp_path):
    """60 DMs; the bot is killed (master and worker, SIGKILL) right after Slack took a post
    whose answer never came back; restarted, it delivers the rest and does not repeat that one
    (it finds it in the channel's history by its outbox key)."""
    people = BENCH_USERS[:60]
    with running(fake_slack, tmp_path, dms_to=people) as bot:
        fake_slack.wait_for(lambda: posts(fake_slack) >= 20, timeout=START_TIMEOUT)
        fake_slack.lose_response("chat.postMessage", seconds=120)
        before = len(fake_slack.calls_to("chat.postMessage"))
        fake_slack.wait_for("chat.postMessage", count=before + 1)  # taken, never answered
        bot.kill_9()
        sent_before_restart = posts(fake_slack)
        assert sent_before_restart < len(people), "the fan-out finished before the kill"
        bot.start()
        assert_each_got_exactly_one(fake_slack, people, bot)
        # The unanswered post was looked for (its key is in the message metadata), not resent.
        assert fake_slack.calls_to("conversations.history")
    assert "Traceback" not in bot.log.read_text()


def test_a_locked_database_gets_try_again_nothing_half_written_and_the_outbox_catches_up(
    fake_slack, tmp_path
):
    """Another process holds SQLite's write lock for 6 s in the middle of a 20-DM fan-out."""
    people = BENCH_USERS[100:120]
    fake_slack.hang("chat.postMessage", seconds=0.3, times=20)  # a slow Slack: a long fan-out
    with running(fake_slack, tmp_path, dms_to=people) as bot:
        sim = bot.sim()
        added = sim.command("/cadence", f"workflow add Support resolution in <#{GOV}|gov>",
                            user=ADMIN)  # fmt: skip
        assert "Registered" in said(fake_slack.wait_for_responses(key=added.response_url)[0])
        form = open_escalation_form(sim, fake_slack)
        fake_slack.wait_for(lambda: posts(fake_slack) >= 3, timeout=30)
        before = counts(bot)
        delivered_before_the_lock = sum(bool(fake_slack.dms(u)) for u in people)
        with write_lock(bot.database, seconds=6):
            command = sim.command("/cadence", "workflow add Renewals", user=ADMIN)
            submitted = sim.submit(form, user=EVE, values=escalation_values())
        answer = said(fake_slack.wait_for_responses(key=command.response_url)[0])
        assert "database is busy" in answer and "nothing was saved" in answer
        assert submitted.status == 200 and submitted.elapsed < 5
        [error] = submitted.json["errors"].values()
        assert "database is busy" in error
        assert counts(bot) == before  # nothing half-written: no workflow, no escalation
        assert delivered_before_the_lock < len(people), "the fan-out was over before the lock"
        assert_each_got_exactly_one_dm_and_notices(fake_slack, people)
        # Once the lock is gone, the same requests go through, once.
        again = sim.command("/cadence", "workflow add Renewals", user=ADMIN)
        assert "Registered" in said(fake_slack.wait_for_responses(key=again.response_url)[0])
        assert sim.submit(form, user=EVE, values=escalation_values()).status == 200
        sim.submit(form, user=EVE, values=escalation_values())  # a double submit
        assert counts(bot) == (before[0] + 1, before[1] + 1)
    assert "Traceback" not in bot.log.read_text()


STORM_PEOPLE = BENCH_USERS[60:100]


@pytest.fixture(scope="module", autouse=True)
def storm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeSlack, Bot]]:
    """A bot of its own, started with the module: its Slack answers 429 (Retry-After: 1) to 30
    posts in a row, then 500 to the next 10. It spends most of its ~35 s waiting, so it runs
    beside the other tests (the last one reads the outcome)."""
    with FakeSlack() as fake:
        populate(fake)
        fake.fail("chat.postMessage", status=429, retry_after=1, times=30)
        fake.fail("chat.postMessage", status=500, times=10)
        with running(fake, tmp_path_factory.mktemp("storm"), dms_to=STORM_PEOPLE) as bot:
            yield fake, bot


def test_429s_then_500s_are_waited_out_and_every_dm_goes_once(storm):
    fake, bot = storm
    assert_each_got_exactly_one(fake, STORM_PEOPLE, bot)
    calls = fake.calls_to("chat.postMessage")
    assert [c.status for c in calls[:40]] == [429] * 30 + [500] * 10
    for refused, following in itertools.pairwise(calls[:31]):
        assert following.at - refused.at >= 0.95, "a 429's Retry-After was not honoured"
    assert "Traceback" not in bot.log.read_text()


def open_escalation_form(sim: SlackSim, fake: FakeSlack) -> dict:
    sim.command("/escalate", "", user=EVE)
    call = fake.wait_for("views.open")[-1]
    return fake.view(call.response["view"]["id"])


def escalation_values() -> dict:
    return {"Workflow": "Support resolution", "Decision point": "Policy exception",
            "What happened?": "refund bot promised credits"}  # fmt: skip


def counts(bot: Bot) -> tuple[int, int]:
    """Workflows and escalations stored."""
    connection = sqlite3.connect(bot.database, timeout=30)
    try:
        return tuple(  # type: ignore[return-value]
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("workflow", "escalation")
        )
    finally:
        connection.close()


@contextmanager
def write_lock(database: Path, *, seconds: float) -> Iterator[None]:
    """Hold SQLite's write lock from another process's point of view for `seconds`."""
    holder = sqlite3.connect(database, timeout=30, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    locked_at = time.monotonic()
    try:
        yield
        remaining = seconds - (time.monotonic() - locked_at)
        if remaining > 0:
            time.sleep(remaining)  # the fault's duration: the bot's own clock plays no part
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def assert_each_got_exactly_one_dm_and_notices(fake: FakeSlack, people: tuple[str, ...]) -> None:
    fake.wait_for(lambda: all(fake.dms(u) for u in people), timeout=60)
    assert {u: len(fake.dms(u)) for u in people} == dict.fromkeys(people, 1)
