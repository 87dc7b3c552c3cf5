"""The monthly report job: due on the first working day at 09:00 local, made exactly once."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from bot.jobs import make_due_reports
from cadence.accountability import council
from cadence.errors import InvalidInput
from cadence.escalations import raising
from cadence.escalations.raising import Report, Severity
from cadence.evidence.periods import Period, first_working_day, parse_period, report_due
from cadence.evidence.report import report_for
from cadence.outbox import RendererName
from cadence.vocabulary import DecisionPoint, OwnerRole
from storage import clock
from storage.db import make_engine, new_session, session_scope
from storage.models import AuditEvent, CouncilReport, OutboxMessage, WorkspaceSettings
from tests.cadence.helpers import ADMIN, DANA, EVE, MARIA, SAM, TEAM, assign, make_workflow, seat

TODAY = date(2026, 11, 18)
# October's report is due on Monday 2 November (the 1st is a Sunday), 09:00 in Paris (UTC+1).
DUE = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "2026-10"),
        ("last month", "2026-10"),
        ("this month", "2026-11"),
        ("2026-09", "2026-09"),
        ("November 2025", "2025-11"),
        ("nov 2026", "2026-11"),
        ("Q4 2026", "2026-Q4"),
        ("2026-q1", "2026-Q1"),
        ("last quarter", "2026-Q3"),
    ],
)
def test_periods_are_named_the_way_people_say_them(text, key):
    assert parse_period(text, TODAY).key == key


@pytest.mark.parametrize("text", ["2027-01", "Q1 2027", "2026-13", "someday"])
def test_a_future_or_unknown_period_is_refused_with_examples(text):
    with pytest.raises(InvalidInput, match="`2026-11`"):
        parse_period(text, TODAY)


def test_quarters_and_previous_periods():
    q4 = parse_period("Q4 2026", TODAY)
    assert (q4.start, q4.end, q4.label) == (date(2026, 10, 1), date(2027, 1, 1), "Q4 2026")
    assert q4.previous().key == "2026-Q3" and Period(date(2026, 1, 1)).previous().key == "2025-12"


def test_the_report_is_due_on_the_first_working_day_at_nine_local():
    assert first_working_day(date(2026, 11, 1)) == date(2026, 11, 2)  # Sunday -> Monday
    assert first_working_day(date(2026, 12, 1)) == date(2026, 12, 1)  # a Tuesday
    assert report_due(Period(date(2026, 10, 1)), "Europe/Paris") == DUE
    assert report_due(Period(date(2026, 6, 1)), "Europe/Paris") == datetime(
        2026, 7, 1, 7, 0, tzinfo=UTC
    )  # summer time: UTC+2


def october(engine, frozen_clock, *, channel: str | None = None) -> None:
    """A Paris workspace with one October escalation, a council of two."""
    frozen_clock.current = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    with session_scope(engine) as db:
        db.add(WorkspaceSettings(team_id=TEAM, timezone="Europe/Paris"))
        workflow = make_workflow(db)
        assign(db, workflow, OwnerRole.OUTCOME, MARIA)
        seat(db, DANA, SAM)
        if channel:
            council.set_council_channel(
                db, team_id=TEAM, channel_id=channel, actor=ADMIN, default_zone="UTC"
            )
        raising.raise_escalation(
            db,
            report=Report(workflow, DecisionPoint.BUDGET, None, Severity.SEV2, "Over"),
            raised_by=EVE.id,
            source_channel_id=None,
            idempotency_key="oct",
        )


def reports(engine) -> list[CouncilReport]:
    with new_session(engine) as db:
        return list(db.exec(select(CouncilReport)).all())


def report_posts(engine) -> list[OutboxMessage]:
    with new_session(engine) as db:
        rows = db.exec(select(OutboxMessage)).all()
        return [m for m in rows if m.idempotency_key.startswith("council-report:")]


def test_nothing_before_nine_on_the_first_working_day_then_once(engine, frozen_clock):
    october(engine, frozen_clock, channel="CCOUNCIL")
    for moment in (
        datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 7, 59, tzinfo=UTC),
    ):
        frozen_clock.current = moment
        assert make_due_reports(engine, default_zone="UTC").made == []

    frozen_clock.current = DUE
    first = make_due_reports(engine, default_zone="UTC")
    frozen_clock.current = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    again = make_due_reports(engine, default_zone="UTC")

    assert (first.made, again.made, again.already) == ([f"{TEAM} 2026-10"], [], 1)
    (made,) = reports(engine)
    assert (made.period, made.period_start, made.period_end) == (
        "2026-10",
        date(2026, 10, 1),
        date(2026, 11, 1),
    )
    assert made.figures["total"]["escalations"] == 1 and made.recipients == ["CCOUNCIL"]
    (post,) = report_posts(engine)
    assert post.payload == {
        "render": RendererName.COUNCIL_REPORT,
        "args": {"report_id": made.id, "channel": "CCOUNCIL"},
    }


def test_without_a_council_channel_each_member_gets_a_dm(engine, frozen_clock):
    october(engine, frozen_clock)
    frozen_clock.current = DUE
    make_due_reports(engine, default_zone="UTC")

    assert sorted(p.payload["args"]["channel"] for p in report_posts(engine)) == [DANA.id, SAM.id]


def test_a_workspace_that_did_not_exist_last_month_gets_no_report(engine, frozen_clock):
    frozen_clock.current = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    with session_scope(engine) as db:
        make_workflow(db)
    frozen_clock.current = DUE
    assert make_due_reports(engine, default_zone="Europe/Paris").made == []
    assert reports(engine) == []


def _race(url: str, moment: datetime, start, results) -> None:
    clock.set_clock(lambda: moment)
    engine = make_engine(url)
    start.wait()
    results.put(make_due_reports(engine, default_zone="UTC").made)
    engine.dispose()


def test_two_processes_at_once_make_and_send_it_once(any_engine, frozen_clock):
    october(any_engine, frozen_clock)
    url = any_engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(2), context.Queue()
    racers = [context.Process(target=_race, args=(url, DUE, start, results)) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    made = sorted(results.get(timeout=5) + results.get(timeout=5))

    assert made == [f"{TEAM} 2026-10"]  # one process made it, the other found it made
    assert len(reports(any_engine)) == 1
    assert len(report_posts(any_engine)) == 2  # one DM per council member, once
    with new_session(any_engine) as db:
        count = db.exec(select(func.count()).select_from(CouncilReport)).one()
    assert count == 1


def test_the_report_states_whether_the_audit_log_verified(engine, frozen_clock):
    october(engine, frozen_clock, channel="CCOUNCIL")
    frozen_clock.current = DUE
    make_due_reports(engine, default_zone="UTC")
    (made,) = reports(engine)
    with new_session(engine) as db:
        written = db.exec(select(func.count()).select_from(AuditEvent)).one()
    # Walked before the report's own audit row was written, in the same transaction.
    assert (made.figures["audit_rows"], made.figures["audit_problem"]) == (written - 1, None)
    assert len(made.figures["audit_newest_hash"]) == 64

    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor = 'UEVIL' WHERE seq = 2"))
    with new_session(engine) as db:
        figures, _ = report_for(
            db, team_id=TEAM, period=Period(date(2026, 11, 1)), scope=None, default_zone="UTC"
        )
    assert figures.audit_problem is not None and "(#2 of workspace" in figures.audit_problem
    assert "was edited" in figures.audit_problem
