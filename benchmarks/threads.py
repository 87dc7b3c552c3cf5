"""A workflow with this week's governance thread, set up through the domain for the benchmarks.

The thread is opened the way the weekly job opens it (`threads.open_session`, which queues
the parent message in the outbox); the running bot's outbox worker posts it to the fake Slack,
and the benchmarks click the buttons of the message the bot actually posted.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import Engine

from cadence.accountability import workflows
from cadence.governance import threads
from cadence.governance.schedule import week_start_for
from cadence.people import Person
from slackfake import FakeSlack
from storage.clock import now
from storage.db import session_scope
from tests.cast import ADMIN, GOV

TEAM = "T0001"
WORKFLOW = "Support resolution"
ADMIN_PERSON = Person(id=ADMIN, name="Ada Admin", is_admin=True)


def open_thread(engine: Engine, *, channel: str = GOV, name: str = WORKFLOW) -> int:
    """Register a workflow in `channel` and open this week's governance session; its id."""
    with session_scope(engine) as db:
        workflow = workflows.add_workflow(
            db, team_id=TEAM, name=name, channel_id=channel, actor=ADMIN_PERSON
        )
        workflow_id = workflow.id or 0
    moment = now() + timedelta(seconds=1)  # the workflow was registered before the opening
    with session_scope(engine) as db:
        session = threads.open_session(
            db,
            workflow_id=workflow_id,
            week_start=week_start_for(moment, "UTC"),
            opening=moment,
            default_zone="UTC",
        )
        assert session is not None, "the week's session already existed"
        return session.id or 0


def parent_message(fake: FakeSlack, channel: str = GOV, *, timeout: float = 30.0) -> dict:
    """The thread's parent message once the bot has posted it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [
            m
            for m in fake.messages(channel)
            if m.get("thread_ts") is None and "Weekly governance" in str(m.get("text"))
        ]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise RuntimeError(f"the governance thread's parent never reached #{channel}")
