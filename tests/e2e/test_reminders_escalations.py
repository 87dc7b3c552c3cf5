"""Unacknowledged escalations: reminders at growing gaps, then a climb up the ladder."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cadence.escalations.climb import next_tier
from storage.models import Escalation
from tests.cast import DANA, EVE, GOV, LI, MARIA
from tests.e2e.helpers import run, said
from tests.e2e.test_escalate import escalate, events, staffed
from tests.e2e.test_reminders import reminders_sent, sweep


@pytest.fixture(autouse=True)
def unpaced(bot) -> None:
    bot.deliverer.channel_pace = 0  # the frozen clock would hold paced messages


def reminders_to(bot, user: str) -> list[dict]:
    return [m for m in bot.fake.dms(user) if "is waiting for your acknowledgement" in m["text"]]


def stored(bot, number: int) -> Escalation:
    with bot.session() as db:
        return db.get(Escalation, number)


def test_three_reminders_at_growing_gaps_then_it_climbs_to_the_council(bot, frozen_clock):
    staffed(bot, council=(DANA,))
    esc = escalate(bot, severity="sev-2")  # approver: the outcome owner, Maria; window 1 h
    assert esc.routed_to == MARIA

    frozen_clock.advance(minutes=59)
    sweep(bot)
    assert reminders_to(bot, MARIA) == []
    for minutes, expected in ((1, 1), (59, 1), (1, 2), (119, 2), (1, 3)):
        frozen_clock.advance(minutes=minutes)
        sweep(bot)
        assert len(reminders_to(bot, MARIA)) == expected, f"at +{minutes} min"
    assert "Reminder 3 of 3" in reminders_to(bot, MARIA)[-1]["text"]

    frozen_clock.advance(hours=1, minutes=59)
    sweep(bot)
    assert stored(bot, esc.id).routed_to == MARIA, "climbed before its time"
    frozen_clock.advance(minutes=1)  # six windows after it came to Maria
    sweep(bot)
    sweep(bot)

    after = stored(bot, esc.id)
    assert (after.routed_to, after.tier, after.status) == (None, 1, "open")
    assert ("rerouted", "cadence", False) in events(bot, esc.id)
    assert any(f"#{esc.id} " in m["text"] for m in bot.fake.dms(DANA)), "council not told"
    bot.deliverer.deliver_due()
    announced = [m["text"] for m in bot.fake.messages(GOV) if m["thread_ts"]]
    assert any(f"#{esc.id} was re-routed" in t and "AI council" in t for t in announced)
    gaps = said(run(bot, "/cadence", "gaps", user=DANA))
    assert f"#{esc.id}" in gaps and "climbed to the AI council" in gaps

    frozen_clock.advance(hours=1)
    sweep(bot)
    assert len(reminders_to(bot, DANA)) == 1
    assert len(reminders_to(bot, MARIA)) == 3, "the previous owner is still being reminded"
    assert len({(s, r, n) for s, r, n in reminders_sent(bot)}) == 4


def test_acknowledging_from_the_reminder_stops_the_reminders(bot, frozen_clock):
    staffed(bot)
    esc = escalate(bot, severity="sev-2")
    frozen_clock.advance(hours=1)
    sweep(bot)
    [reminder] = reminders_to(bot, MARIA)

    bot.sim.click(reminder, user=MARIA, text="Acknowledge")
    bot.fake.wait_for(lambda: stored(bot, esc.id).status == "acknowledged")

    frozen_clock.advance(hours=10)
    sweep(bot)
    assert len(reminders_to(bot, MARIA)) == 1
    assert stored(bot, esc.id).routed_to == MARIA


def test_sev1_reminds_at_night_other_severities_wait_for_the_morning(bot, frozen_clock):
    frozen_clock.current = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 02:00 UTC
    staffed(bot, council=(DANA,))
    urgent = escalate(bot, severity="sev-1", summary="refunds paid to fraudsters")
    calm = escalate(bot, severity="sev-2", summary="tone is off")
    owner = stored(bot, urgent.id).routed_to

    frozen_clock.advance(minutes=15)
    sweep(bot)
    frozen_clock.advance(hours=1)
    sweep(bot)

    texts = [m["text"] for m in reminders_to(bot, owner)]
    assert any(f"#{urgent.id} " in t for t in texts)
    assert not any(f"#{calm.id} " in t for t in reminders_to(bot, MARIA))
    frozen_clock.current = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    sweep(bot)
    assert any(f"#{calm.id} " in m["text"] for m in reminders_to(bot, MARIA))


def test_the_ladder_goes_workflow_owner_outcome_owner_council(bot):
    staffed(bot, council=(DANA,))
    esc = escalate(bot)
    with bot.session() as db:
        row = db.get(Escalation, esc.id)
        row.routed_to = EVE  # e.g. a stage owner who approves
        assert next_tier(db, row) == (LI, "workflow owner")
        row.routed_to = LI
        assert next_tier(db, row) == (MARIA, "outcome owner")
        row.routed_to = MARIA
        assert next_tier(db, row) == (None, "AI council")
        row.routed_to = None
        assert next_tier(db, row) is None
        db.rollback()
