"""Governance builders as data: inside Block Kit's limits however long the content."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cadence.accountability.queries import Owners
from cadence.governance.queries import LogEntry
from cadence.governance.schedule import Schedule
from cadence.governance.scorecard import LATENCY, REPORTED, MetricRow
from cadence.governance.view import ThreadView
from cadence.vocabulary import GovernanceChoice, ScorecardMetric
from handlers.blocks.governance import (
    build_decision_log,
    build_parent,
    format_change,
    parent_text,
    tally_line,
)
from handlers.blocks.governance_modals import build_decision_modal, build_scorecard_modal
from slackfake.forms import all_text, buttons
from storage.models import ActionItem, Decision, GovernanceSession, Workflow
from tests.blockkit import assert_within_limits

LONG = "<b>&" + "x" * 4000
WEEK = date(2026, 11, 23)


def workflow() -> Workflow:
    return Workflow(
        id=7,
        team_id="T1",
        name="N" * 80,
        name_key="n",
        channel_id="CGOV",
        business_outcome=LONG[:300],
        created_by="UADMIN",
    )


def view(decided: bool = False) -> ThreadView:
    session = GovernanceSession(
        id=3,
        team_id="T1",
        workflow_id=7,
        week_start=WEEK,
        channel_id="CGOV",
        created_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
    )
    decision = Decision(
        session_id=3,
        choice="pause",
        rationale=LONG[:3000],
        recorded_by="UMARIA",
        created_at=datetime(2026, 11, 24, 13, 2, tzinfo=UTC),
    )
    rows = [MetricRow(m, s.label, s.unit, 1240.0, 1000.0) for m, s in REPORTED.items()]
    rows.append(
        MetricRow(ScorecardMetric.DECISION_LATENCY, LATENCY.label, LATENCY.unit, None, None, 0)
    )
    return ThreadView(
        session=session,
        workflow=workflow(),
        owners=Owners("UMARIA", "ULI"),
        schedule=Schedule("Europe/Paris"),
        last_decision=decision,
        scorecard=rows,
        open_escalations=2,
        overdue_actions=1,
        tally={c: 999 for c in GovernanceChoice},
        decision=decision if decided else None,
    )


def test_the_open_parent_fits_and_escapes_user_text():
    blocks = build_parent(view())
    assert_within_limits(blocks, "message", text=parent_text(view()))
    shown = all_text(blocks)
    assert "&lt;b&gt;&amp;" in shown and "<b>" not in shown
    values = {b["value"] for b in buttons(blocks)}
    assert values == {"3", "7"}  # session id on votes and record, workflow id on the scorecard


def test_the_decided_parent_shows_who_and_when_in_local_time_and_has_no_buttons():
    blocks = build_parent(view(decided=True))
    assert_within_limits(blocks, "message")
    assert "Decided: Pause for risk remediation* — <@UMARIA>, Tue 14:02" in all_text(blocks)
    assert buttons(blocks) == []


def test_changes_read_naturally():
    row = MetricRow(ScorecardMetric.QUALITY, "Quality trend", "%", 95.5, 97.0)
    assert format_change(row) == "(▼ -1.5 pts since last week)"
    assert format_change(MetricRow(ScorecardMetric.THROUGHPUT, "T", "items/week", 5, 5)) == (
        "(no change since last week)"
    )
    assert tally_line(dict.fromkeys(GovernanceChoice, 0)).endswith("— 0 votes")


def test_the_decision_log_and_the_modals_fit():
    decision = view(decided=True).decision
    actions = [
        ActionItem(
            workflow_id=7, description=LONG[:500], owner_id="USAM", due_on=WEEK, created_by="UMARIA"
        )
        for _ in range(3)
    ]
    entries = [LogEntry(view().session, decision, actions) for _ in range(60)]
    assert_within_limits(build_decision_log(workflow(), entries, "UTC"), "message")
    modal = build_decision_modal(
        session_id=3,
        workflow=workflow(),
        week_start=WEEK,
        tally={c: 5 for c in GovernanceChoice},
        leading=None,
    )
    assert_within_limits(modal, "modal")
    choice = next(b for b in modal["blocks"] if b.get("block_id") == "decision-choice")
    assert "initial_option" not in choice["element"]  # a tie preselects nothing
    scorecard = build_scorecard_modal(
        workflow=workflow(),
        week_start=WEEK,
        current={"throughput": 1240.0, "quality": 96.5},
        latency=view().scorecard[-1],
    )
    assert_within_limits(scorecard, "modal")
