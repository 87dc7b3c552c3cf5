"""Quiet hours and the escalation reminder schedule, as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cadence.reminders.rules import climb_due, escalation_schedule
from cadence.reminders.working_hours import in_working_hours, latest_working_moment, zone
from storage.models import Escalation

PARIS, NEW_YORK = zone("Europe/Paris"), zone("America/New_York")


@pytest.mark.parametrize(
    ("moment", "tz", "expected"),
    [
        (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), PARIS, True),  # Mon 09:00 Paris
        (datetime(2026, 11, 23, 7, 59, tzinfo=UTC), PARIS, False),  # 08:59
        (datetime(2026, 11, 23, 17, 0, tzinfo=UTC), PARIS, False),  # 18:00: the day is over
        (datetime(2026, 11, 28, 12, 0, tzinfo=UTC), PARIS, False),  # Saturday
        (datetime(2026, 7, 6, 7, 0, tzinfo=UTC), PARIS, True),  # summer time: 09:00 CEST
        (datetime(2026, 11, 23, 14, 0, tzinfo=UTC), NEW_YORK, True),  # 09:00 EST
        (datetime(2026, 11, 23, 13, 59, tzinfo=UTC), NEW_YORK, False),
    ],
)
def test_working_hours_are_local(moment, tz, expected):
    assert in_working_hours(moment, tz) is expected


def test_latest_working_moment_goes_back_over_the_weekend_and_across_dst():
    sunday = datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 09:00 CET, after the change
    # Paris left summer time that night: Friday 09:00 was 07:00 UTC.
    assert latest_working_moment(sunday, PARIS) == datetime(2026, 10, 23, 7, tzinfo=UTC)
    inside = datetime(2026, 10, 26, 10, tzinfo=UTC)
    assert latest_working_moment(inside, PARIS) == inside


def test_unknown_time_zone_falls_back():
    assert zone("Mars/Olympus", "Europe/Paris").key == "Europe/Paris"
    assert zone(None, "nonsense").key == "UTC"


def escalation(severity: str) -> Escalation:
    opened = datetime(2026, 11, 23, 9, tzinfo=UTC)
    return Escalation(team_id="T", workflow_id=1, decision_point="budget", summary="s",
                      raised_by="U", idempotency_key="k", severity=severity,
                      created_at=opened)  # fmt: skip


@pytest.mark.parametrize(
    ("severity", "window"),
    [("sev1", timedelta(minutes=15)), ("sev2", timedelta(hours=1)), ("sev3", timedelta(hours=4)),
     ("sev4", timedelta(days=1))],
)  # fmt: skip
def test_reminders_come_at_growing_gaps_then_the_escalation_climbs(severity, window):
    esc = escalation(severity)
    schedule = escalation_schedule(esc)
    opened = esc.created_at
    assert schedule([], UTC) == opened + window
    assert schedule([opened + window], UTC) == opened + 2 * window
    assert schedule([opened + window, opened + 2 * window], UTC) == opened + 4 * window
    three = [opened + window, opened + 2 * window, opened + 4 * window]
    assert schedule(three, UTC) is None
    assert climb_due(esc, three[:2]) is None
    assert climb_due(esc, three) == opened + 6 * window


def test_a_late_reminder_pushes_the_next_one_back():
    esc = escalation("sev3")
    late = esc.created_at + timedelta(hours=20)  # sent late: quiet hours held it
    assert escalation_schedule(esc)([late], UTC) == late + timedelta(hours=4)


def test_a_hand_off_restarts_the_clock_for_the_new_owner():
    esc = escalation("sev2")
    esc.updated_at = esc.created_at + timedelta(hours=5)
    assert escalation_schedule(esc)([], UTC) == esc.updated_at + timedelta(hours=1)
