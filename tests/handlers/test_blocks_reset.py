"""The 30-day reset's messages as data: every item's words, inside Block Kit's limits even with
the longest names, reasons and evidence."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cadence.reset.calendar import ResetCalendar
from cadence.reset.items import ITEMS, ItemResult, ItemState
from cadence.reset.view import ResetView
from handlers.blocks.governance_forms import build_gap_note_modal
from handlers.blocks.reset import (
    build_checklist,
    build_monday_dm,
    build_status,
    build_summary,
    checklist_text,
)
from slackfake.forms import all_text
from slackfake.limits import LIMITS
from storage.models import AccountabilityReset, Workflow
from tests.blockkit import assert_within_limits

LONG_NAME = "W" * 80  # the longest workflow name
HUGE = "<@UMARIA> & *x* " * 200  # evidence words far beyond a section
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
STATES = [ItemState.DONE, ItemState.DONE_LATE, ItemState.OPEN, ItemState.LATE, ItemState.MISSED]


def a_view(*, status: str = "running", long: bool = True, states: list[ItemState] | None = None):
    text = HUGE if long else ""
    workflow = Workflow(id=1, team_id="T1", name=LONG_NAME if long else "Support resolution",
                        name_key="x", channel_id="CGOV", created_by="UADMIN")  # fmt: skip
    reset = AccountabilityReset(
        id=1, team_id="T1", workflow_id=1, started_by="UMARIA", start_day=date(2026, 11, 25),
        timezone="UTC", status=status, parallel_reason=("R" * 500) if long else None,
        ended_at=NOW if status != "running" else None, ended_by="UDANA",
        end_reason=("S" * 500) if long else None,
    )  # fmt: skip
    items = [
        ItemResult(key=spec.key, week=spec.week, title=spec.title,
                   state=(states or STATES)[i % len(states or STATES)], detail=text,
                   who="UMARIA", when=NOW, missing=text or "not set", act=text)
        for i, spec in enumerate(ITEMS)
    ]  # fmt: skip
    calendar = ResetCalendar(date(2026, 11, 25), "UTC")
    return ResetView(reset, workflow, calendar, items, NOW, LONG_NAME if long else None)


def test_the_checklist_shows_each_state_and_who_should_act():
    view = a_view(long=False)
    blocks = build_checklist(view)
    shown = all_text(blocks)
    assert "30-day accountability reset: Support resolution" in shown
    assert "day *16* of 30 (week 3)" in shown
    assert ":white_check_mark: *Focus workflow chosen*" in shown
    assert "*Outcome owner and workflow owner assigned* _(done late)_" in shown
    assert ":warning: *Scorecard baselined (a first complete week)* — *late* (week 2 ended " in (
        shown
    )
    assert ":x: *Risk-review triggers defined* — *missed*: not set" in shown
    assert len(blocks) == 7
    assert_within_limits(blocks, "message", text=checklist_text(view))


def test_every_message_of_the_reset_fits_with_the_longest_words():
    for status in ("running", "finished", "stopped"):
        view = a_view(status=status)
        blocks = build_checklist(view)
        assert_within_limits(blocks, "message", text=checklist_text(view))
        summary = build_summary(view)
        assert_within_limits(summary["blocks"], "message", text=summary["text"])
        assert len(summary["text"]) <= LIMITS.message_text
    for week in (1, 2, 3, 4):
        dm = build_monday_dm(a_view(states=[ItemState.LATE]), week=week)
        assert_within_limits(dm["blocks"], "message", text=dm["text"])
    status = build_status([a_view() for _ in range(80)])
    assert len(status) == LIMITS.message_blocks and "More resets not shown." in all_text(status)
    assert_within_limits(status, "message")
    assert_within_limits(build_gap_note_modal(2**31 - 1, 2**31 - 1, LONG_NAME), "modal")


def test_the_summary_sorts_items_into_done_late_and_missed():
    summary = build_summary(a_view(status="finished", long=False))
    assert summary["text"] == (
        "The 30-day reset of Support resolution is over: 3 done, 3 late, 6 missed"
    )
    shown = all_text(summary["blocks"])
    assert "*Done: 3*" in shown and "*Late (done after its week): 3*" in shown
    assert "*Missed: 6*" in shown


def test_the_map_says_where_the_councils_confirmation_stands():
    from handlers.blocks.escalation_map import confirmation_line

    assert "not yet confirmed by the AI council" in confirmation_line(None, None, holds=False)
    assert confirmation_line("UDANA", "on 2026-12-02", holds=True) == (
        ":classical_building: *Decision rights:* confirmed by <@UDANA> on 2026-12-02."
    )
    assert "but changed since" in confirmation_line("UDANA", "on 2026-12-02", holds=False)
