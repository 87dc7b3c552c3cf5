"""Snoozes: they belong to one round of ownership, and an active one holds the climb."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from cadence.errors import InvalidInput
from cadence.escalations import lifecycle as life
from cadence.escalations import raising
from cadence.escalations.raising import Report, Severity
from cadence.reminders import sweep as reminders
from cadence.vocabulary import DecisionPoint, OwnerRole
from storage.db import new_session
from storage.models import Escalation, Reminder, ReminderSnooze
from tests.cadence.helpers import DANA, EVE, LI, MARIA, assign, make_workflow, seat


def raise_one(engine, severity=Severity.SEV3) -> int:
    with new_session(engine) as db:
        seat(db, DANA)  # the council: the top of the ladder
        workflow = make_workflow(db)
        assign(db, workflow, OwnerRole.OUTCOME, MARIA)
        assign(db, workflow, OwnerRole.WORKFLOW, LI)
        report = Report(workflow, DecisionPoint.BUDGET, None, severity, "Over budget")
        esc = raising.raise_escalation(
            db, report=report, raised_by=EVE.id, source_channel_id="C0GENERAL",
            idempotency_key="k1",
        ).escalation  # fmt: skip
        db.commit()
        return esc.id


def sweep(engine, clock) -> reminders.SweepReport:
    with new_session(engine) as db:
        report = reminders.sweep(db, moment=clock.current, default_zone="UTC")
        db.commit()
        return report


def sent_to(engine, number: int, user: str) -> int:
    with new_session(engine) as db:
        rows = db.exec(
            select(Reminder).where(
                Reminder.subject == f"escalation:{number}", Reminder.recipient == user
            )
        ).all()
        return len(rows)


def test_a_snooze_from_an_earlier_round_does_not_fire_after_a_hand_back(engine, frozen_clock):
    number = raise_one(engine)  # sev-3: a 4 h window; Monday 09:00 UTC, to Maria
    frozen_clock.advance(hours=4)
    sweep(engine, frozen_clock)
    assert sent_to(engine, number, MARIA.id) == 1
    with new_session(engine) as db:
        reminders.snooze(db, subject=f"escalation:{number}", recipient=MARIA.id, choice="1h")
        db.commit()
    frozen_clock.advance(minutes=30)
    with new_session(engine) as db:
        esc = db.get(Escalation, number)
        life.acknowledge(db, escalation=esc, actor=MARIA.id)
        life.hand_off(db, escalation=esc, actor=MARIA.id, to=LI, reason="Li knows this")
        db.commit()
    frozen_clock.advance(hours=1)
    with new_session(engine) as db:
        esc = db.get(Escalation, number)
        life.hand_off(db, escalation=esc, actor=LI.id, to=MARIA, reason="back to you")
        db.commit()

    frozen_clock.advance(minutes=2)
    sweep(engine, frozen_clock)
    assert sent_to(engine, number, MARIA.id) == 1, "reminded 2 minutes after getting it back"
    frozen_clock.advance(hours=4)  # 18:32: the window is over but so is Maria's working day
    sweep(engine, frozen_clock)
    assert sent_to(engine, number, MARIA.id) == 1
    frozen_clock.advance(hours=14, minutes=30)  # Tuesday 09:02
    sweep(engine, frozen_clock)
    assert sent_to(engine, number, MARIA.id) == 2


def test_an_active_snooze_holds_the_climb_until_it_ends(engine, frozen_clock):
    number = raise_one(engine, Severity.SEV2)  # 1 h window, to Maria (the outcome owner)
    for hours in (1, 1, 2):
        frozen_clock.advance(hours=hours)
        sweep(engine, frozen_clock)
    assert sent_to(engine, number, MARIA.id) == 3
    frozen_clock.advance(minutes=30)
    with new_session(engine) as db:
        reminders.snooze(db, subject=f"escalation:{number}", recipient=MARIA.id, choice="1d")
        db.commit()

    frozen_clock.advance(hours=2)  # the climb was due now
    assert sweep(engine, frozen_clock).climbed == 0
    frozen_clock.advance(days=1)
    report = sweep(engine, frozen_clock)
    assert report.sent == 1, "the snooze did not bring the reminder back"
    frozen_clock.advance(hours=2)
    assert sweep(engine, frozen_clock).climbed == 1
    with new_session(engine) as db:
        assert db.get(Escalation, number).tier == 1


def test_snoozing_again_restarts_the_snooze(engine, frozen_clock):
    number = raise_one(engine)
    subject = f"escalation:{number}"
    frozen_clock.advance(hours=4)
    sweep(engine, frozen_clock)  # Maria gets her reminder, with its snooze buttons
    with new_session(engine) as db:
        first = reminders.snooze(db, subject=subject, recipient=MARIA.id, choice="1h")
        db.commit()
    frozen_clock.advance(minutes=50)
    with new_session(engine) as db:
        second = reminders.snooze(db, subject=subject, recipient=MARIA.id, choice="1h")
        db.commit()
    assert second - first == timedelta(minutes=50)


def test_a_reminder_never_sent_to_you_cannot_be_snoozed(engine, frozen_clock):
    number = raise_one(engine)
    frozen_clock.advance(hours=4)
    sweep(engine, frozen_clock)  # the reminder went to Maria, not to Eve
    for subject, who in ((f"escalation:{number}", EVE.id), ("scorecard:1:2026-13-45", MARIA.id)):
        with new_session(engine) as db:
            with pytest.raises(InvalidInput, match="nothing to snooze"):
                reminders.snooze(db, subject=subject, recipient=who, choice="1d")
            assert db.exec(select(ReminderSnooze)).all() == []
