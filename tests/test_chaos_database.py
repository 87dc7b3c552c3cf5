"""Chaos: PostgreSQL out of reach for 20 s under the real `cadence-bot run`, the outage starting
in the middle of an escalation's transaction and of a fan-out of DMs (harness: test_chaos.py)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from cadence.vocabulary import OutboxStatus
from slackfake import FakeSlack
from storage.db import make_engine, session_scope
from storage.models import OutboxMessage
from tests.cast import ADMIN, BENCH_USERS, EVE, GOV
from tests.conftest import _fresh_postgres
from tests.e2e.helpers import said
from tests.faults import DatabaseLink
from tests.test_chaos import Bot, escalation_values, open_escalation_form, posts, running

pytestmark = pytest.mark.slow

OUTAGE_SECONDS = 20
PEOPLE = BENCH_USERS[120:150]
TABLES = ("workflow", "escalation", "escalation_event", "audit_event", "outbox_message")


@pytest.fixture
def postgres_url(postgres_database: str | None) -> str:
    if postgres_database is None:
        pytest.skip("PostgreSQL is not reachable")
    _fresh_postgres(postgres_database).dispose()
    return postgres_database


@pytest.fixture
def link(postgres_url: str) -> Iterator[DatabaseLink]:
    link = DatabaseLink(postgres_url)
    yield link
    link.close()


def test_the_database_out_of_reach_for_20_s_gets_try_again_and_the_outbox_catches_up(
    fake_slack, tmp_path, postgres_url, link
):
    """The link to PostgreSQL is cut as the bot sends an escalation's events (its row already
    sent, nothing committed) while 30 DMs are going out; for 20 s every connection is refused."""
    fake_slack.hang("chat.postMessage", seconds=0.4, times=len(PEOPLE))  # a long fan-out
    with running(fake_slack, tmp_path, dms_to=PEOPLE, database_url=postgres_url,
                 bot_database_url=link.url) as bot:  # fmt: skip
        sim = bot.sim()
        added = sim.command("/cadence", f"workflow add Support resolution in <#{GOV}|gov>",
                            user=ADMIN)  # fmt: skip
        assert "Registered" in said(fake_slack.wait_for_responses(key=added.response_url)[0])
        form = open_escalation_form(sim, fake_slack)
        fake_slack.wait_for(lambda: posts(fake_slack) >= 3, timeout=30)
        before = counts(postgres_url)

        link.cut_when_sent(b"INSERT INTO escalation_event", seconds=OUTAGE_SECONDS)
        cut_short = sim.submit(form, user=EVE, values=escalation_values())
        assert link.cut_at is not None, "the submission never reached its events"
        assert cut_short.status == 200 and cut_short.elapsed < 3
        [error] = cut_short.json["errors"].values()
        assert "out of reach" in error and "nothing was saved" in error

        # During the outage: a command, the form again, and the readiness probe.
        command = sim.command("/cadence", "workflow add Renewals", user=ADMIN)
        assert command.status == 200 and command.elapsed < 3
        answer = said(fake_slack.wait_for_responses(key=command.response_url)[0])
        assert "out of reach" in answer and "nothing was saved" in answer
        again = sim.submit(form, user=EVE, values=escalation_values())
        assert again.status == 200 and again.elapsed < 3 and "errors" in again.json
        assert readiness(bot) == (503, "database unreachable")
        assert not link.restored.is_set(), "the outage was over before the requests"
        delivered_in_the_outage = posts(fake_slack)
        assert counts(postgres_url) == before  # nothing half-written

        assert link.restored.wait(OUTAGE_SECONDS + 5)
        assert delivered_in_the_outage < len(PEOPLE), "the fan-out was over before the cut"
        # Afterwards: every DM once, and the same requests go through, once.
        fake_slack.wait_for(lambda: all(fake_slack.dms(u) for u in PEOPLE), timeout=90)
        assert {u: len(fake_slack.dms(u)) for u in PEOPLE} == dict.fromkeys(PEOPLE, 1)
        retried = sim.command("/cadence", "workflow add Renewals", user=ADMIN)
        assert "Registered" in said(fake_slack.wait_for_responses(key=retried.response_url)[0])
        assert sim.submit(form, user=EVE, values=escalation_values()).status == 200
        sim.submit(form, user=EVE, values=escalation_values())  # a double submit
        after = counts(postgres_url)
        assert (after["workflow"], after["escalation"]) == (
            before["workflow"] + 1,
            before["escalation"] + 1,
        )
        assert_outbox_delivered_once(fake_slack, postgres_url)
    log = bot.log.read_text()
    assert "Traceback" not in log  # one line when the outbox pauses, one when it resumes
    assert log.count("Outbox paused, database unreachable") == 1
    assert log.count("Outbox resumed") == 1


def counts(url: str) -> dict[str, int]:
    """Rows per table, read directly (not through the link)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in TABLES
            }
    finally:
        engine.dispose()


def readiness(bot: Bot) -> tuple[int, str]:
    try:
        with urlopen(f"http://127.0.0.1:{bot.port}/readyz", timeout=5) as response:
            return response.status, ""
    except HTTPError as refused:
        return refused.code, json.loads(refused.read())["reason"]


def assert_outbox_delivered_once(fake: FakeSlack, url: str, *, timeout: float = 60) -> None:
    """Every outbox row sent, and each posted to Slack exactly once (by its metadata key)."""
    engine = make_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with session_scope(engine) as db:
                rows = db.exec(
                    select(OutboxMessage.idempotency_key, OutboxMessage.status).where(
                        OutboxMessage.method == "chat.postMessage"
                    )
                ).all()
                pending = db.exec(
                    select(func.count()).where(OutboxMessage.status != OutboxStatus.SENT)
                ).one()
            if not pending:
                break
            assert time.monotonic() < deadline, [r for r in rows if r[1] != OutboxStatus.SENT]
            time.sleep(0.2)  # the bot delivers on its own; poll what it stored
    finally:
        engine.dispose()
    posted = Counter(outbox_key(call.params) for call in fake.calls_to("chat.postMessage")
                     if call.ok)  # fmt: skip
    assert {key: posted[key] for key, _ in rows} == {key: 1 for key, _ in rows}


def outbox_key(params: dict) -> str | None:
    """The outbox key a post carried in its message metadata."""
    meta = params.get("metadata") or {}
    if isinstance(meta, str):
        meta = json.loads(meta)
    return (meta.get("event_payload") or {}).get("key")
