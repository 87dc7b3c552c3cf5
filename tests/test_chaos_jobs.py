"""Chaos: two bot processes on one PostgreSQL database run every scheduled job at the same moment
(weekly threads, reminders and the climb they trigger, the council report, the outbox); every
effect happens exactly once, in the database and in Slack."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.jobs import JOBS
from storage.audit_verify import verify_chain
from storage.db import make_engine, session_scope
from storage.models import AuditEvent, CouncilReport, Escalation, EscalationEvent, GovernanceSession
from tests.bot.test_cli import START_TIMEOUT, slack_env
from tests.cast import ADMIN, DANA, LI, MARIA
from tests.conftest import FrozenClock, _fresh_postgres, serve_bot
from tests.e2e.helpers import run
from tests.e2e.test_escalate import escalate, staffed
from tests.e2e.test_reminders import sweep
from tests.test_chaos_database import assert_outbox_delivered_once, outbox_key

pytestmark = pytest.mark.slow

RENEWALS_CHANNEL = "C0RENEWALS"
# Monday 2 November 2026, 15:31 UTC: this week's threads are due (nobody opened them), October's
# council report is due (since 09:00), the sev-2 escalation raised at 09:30, reminded at 10:30,
# 11:30 and 13:30, climbs (six one-hour windows after it came to its owner), and the sev-3 one
# raised at 11:30 is owed its first reminder.
RACE_MOMENT = datetime(2026, 11, 2, 15, 31, tzinfo=UTC)
PROCESSES = 2


def test_two_processes_running_every_job_at_once_do_each_thing_once(
    fake_slack, tmp_path, postgres_database, frozen_clock
):
    if postgres_database is None:
        pytest.skip("PostgreSQL is not reachable")
    _fresh_postgres(postgres_database).dispose()
    escalation_id = seed(fake_slack, postgres_database, frozen_clock)
    posted_before = len(fake_slack.calls_to("chat.postMessage"))

    reports = race(fake_slack, tmp_path, postgres_database)

    starts = [r["started_at"] for r in reports]
    assert max(starts) - min(starts) < 0.5, f"the jobs did not start together: {starts}"
    total = Counter()
    for report in reports:
        outcomes = report["outcomes"]
        assert set(outcomes) == set(JOBS), outcomes
        total["opened"] += figure(r"opened (\d+) thread", outcomes["open-governance-threads"])
        total["reports"] += figure(r"made (\d+) report", outcomes["council-report"])
        total["climbed"] += figure(r"climbed (\d+)", outcomes["reminders"])
        total["reminded"] += figure(r"sent (\d+)", outcomes["reminders"])
    assert total == {"opened": 2, "reports": 1, "climbed": 1, "reminded": 1}

    engine = make_engine(postgres_database)
    try:
        with session_scope(engine) as db:
            sessions = db.exec(select(GovernanceSession)).all()
            assert sorted((s.workflow_id, str(s.week_start)) for s in sessions) == [
                (1, "2026-11-02"), (2, "2026-11-02")]  # fmt: skip
            [report] = db.exec(select(CouncilReport)).all()
            assert report.period == "2026-10"
            escalation = db.get(Escalation, escalation_id)
            assert (escalation.routed_to, escalation.tier) == (None, 1)  # the council holds it
            rerouted = db.exec(
                select(EscalationEvent).where(col(EscalationEvent.kind) == "rerouted")
            ).all()
            assert len(rerouted) == 1
            actions = Counter(db.exec(select(AuditEvent.action)).all())
            assert (actions["governance.opened"], actions["council.report_made"],
                    actions["escalation.rerouted"]) == (2, 1, 1)  # fmt: skip
            assert verify_chain(db).ok
    finally:
        engine.dispose()
    # In Slack: every message the race queued went out once, and nothing went out unqueued.
    assert_outbox_delivered_once(fake_slack, postgres_database)
    raced = [c for c in fake_slack.calls_to("chat.postMessage")[posted_before:] if c.ok]
    assert raced and all(outbox_key(c.params) for c in raced)
    assert len({outbox_key(c.params) for c in raced}) == len(raced)
    # One new thread (a top-level post) in each workflow's channel.
    tops = Counter(c.params["channel"] for c in raced if not c.params.get("thread_ts"))
    assert {s.channel_id: tops[s.channel_id] for s in sessions} == {
        s.channel_id: 1 for s in sessions}  # fmt: skip


def seed(fake, url: str, frozen_clock: FrozenClock) -> int:
    """Two workflows since October, a council, and a sev-2 escalation that its owner ignored
    through three reminders; nothing opened this week's threads or made October's report."""
    fake.add_channel(RENEWALS_CHANNEL, name="renewals-gov")
    frozen_clock.current = datetime(2026, 10, 29, 10, 0, tzinfo=UTC)
    with serve_bot(fake, url) as bot:
        bot.deliverer.channel_pace = 0  # the frozen clock would hold paced messages
        staffed(bot, council=(DANA,))
        run(bot, "/cadence", f"workflow add Renewals in <#{RENEWALS_CHANNEL}|renewals-gov>",
            user=ADMIN)  # fmt: skip
        run(bot, "/owner", f"outcome <@{MARIA}> Renewals", user=ADMIN)
        run(bot, "/owner", f"workflow <@{LI}> Renewals", user=ADMIN)
        frozen_clock.current = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
        escalation = escalate(bot, severity="sev-2")
        assert escalation.routed_to == MARIA
        for hours in (1, 1, 2):
            frozen_clock.advance(hours=hours)
            sweep(bot)
            if frozen_clock.current.hour == 11:
                # A sev-3 (four-hour window): its first reminder falls due at 15:30.
                escalate(bot, severity="sev-3", summary="renewal quote sent unapproved")
        bot.deliverer.deliver_due()
        with bot.session() as db:
            assert not db.exec(select(GovernanceSession)).all()
            assert db.get(Escalation, escalation.id).tier == 0
        return escalation.id


def race(fake, workdir: Path, url: str) -> list[dict]:
    """Start the processes, wait until both are built, then let them go at once."""
    go = workdir / "go"
    env = slack_env(fake, workdir, DATABASE_URL=url)
    processes = []
    for n in range(PROCESSES):
        ready = workdir / f"ready-{n}"
        log = (workdir / f"process-{n}.log").open("w")
        command = [sys.executable, "-m", "tests.job_race", RACE_MOMENT.isoformat(), str(ready),
                   str(go)]  # fmt: skip
        processes.append((subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE,
                                           stderr=log, text=True), ready, log))  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT
    while not all(ready.exists() for _, ready, _ in processes):
        assert time.monotonic() < deadline, "a job process did not start"
        assert all(p.poll() is None for p, _, _ in processes), "a job process died"
        time.sleep(0.05)  # polling other processes starting; no clock to inject here
    go.write_text("go")
    reports = []
    for process, _, log in processes:
        out, _ = process.communicate(timeout=120)
        log.close()
        assert process.returncode == 0, Path(log.name).read_text()[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
        assert "Traceback" not in Path(log.name).read_text()
    return reports


def figure(pattern: str, summary: str) -> int:
    found = re.search(pattern, summary)
    assert found, summary
    return int(found.group(1))
