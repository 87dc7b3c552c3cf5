"""The monthly council report: its figures equal a direct count of the record."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from cadence.evidence.counting import compute_report
from cadence.evidence.periods import Period
from storage.db import new_session
from storage.models import (
    ActionItem,
    Decision,
    Escalation,
    EscalationEvent,
    GovernanceSession,
    Workflow,
)
from tests.cadence.helpers import TEAM
from tests.cadence.report_history import ZONE, seed_two_months

NOVEMBER = Period(date(2026, 11, 1))
END = datetime(2026, 12, 1, tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
def history(any_engine, frozen_clock):
    db = new_session(any_engine)
    ids = seed_two_months(db, frozen_clock)
    yield db, ids
    db.close()


def month(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m")


def direct_count(db: Session) -> dict[str, dict]:
    """November, counted the plain way: every row read, filtered and tallied here."""
    names = {w.id: w.name for w in db.exec(select(Workflow)).all()}
    by: dict[str, dict] = defaultdict(lambda: defaultdict(Counter))
    by["total"]["latency"] = defaultdict(lambda: (None, None))
    latencies: dict[tuple[str, str], list[int]] = defaultdict(list)
    for decision, session in db.exec(
        select(Decision, GovernanceSession).where(Decision.session_id == GovernanceSession.id)
    ).all():
        wf = names[session.workflow_id]
        for key in (wf, "total"):
            if month(decision.created_at) == "2026-11":
                by[key]["decisions"][decision.choice] += 1
                latencies[(key, "now")].append(decision.latency_seconds)
            if month(decision.created_at) == "2026-10":
                latencies[(key, "before")].append(decision.latency_seconds)
    for session in db.exec(select(GovernanceSession)).all():
        if session.week_start.strftime("%Y-%m") != "2026-11":
            continue
        decided = db.exec(select(Decision).where(Decision.session_id == session.id)).first()
        state = (
            "decided"
            if decided and decided.created_at < END
            else (
                "undecided"
                if session.week_start + timedelta(days=7) <= date(2026, 12, 1)
                else "still_open"
            )
        )
        for key in (names[session.workflow_id], "total"):
            by[key]["sessions"][state] += 1
    events = db.exec(select(EscalationEvent)).all()
    for e in db.exec(select(Escalation)).all():
        if month(e.created_at) != "2026-11":
            continue
        climbs = sum(1 for ev in events if ev.escalation_id == e.id and ev.kind == "rerouted")
        for key in (names[e.workflow_id], "total"):
            by[key]["kind"][e.council_matter or e.decision_point] += 1
            by[key]["severity"][e.severity] += 1
            by[key]["tier"][str(climbs)] += 1
            if e.acknowledged_at:
                latencies[(key, "ack")].append(e.ack_latency_seconds)
            if e.resolved_at:
                latencies[(key, "resolve")].append(e.resolve_latency_seconds)
            if e.council_matter or e.needs_council:
                by[key]["council"]["resolved" if e.resolved_at else "open"] += 1
    for gap in events:
        if gap.authorized or month(gap.created_at) != "2026-11":
            continue
        escalation = db.get(Escalation, gap.escalation_id)
        closed = any(
            ev.escalation_id == gap.escalation_id
            and ev.authorized
            and ev.kind in ("acknowledged", "handed_off", "resolved")
            and gap.created_at <= ev.created_at < END
            for ev in events
        )
        for key in (names[escalation.workflow_id], "total"):
            by[key]["gaps"]["closed" if closed else "open"] += 1
    for item in db.exec(select(ActionItem)).all():
        if item.due_on.strftime("%Y-%m") != "2026-11":
            continue
        done_on = item.completed_at.astimezone(ZONE).date() if item.completed_at else None
        state = "overdue" if done_on is None else "on_time" if done_on <= item.due_on else "late"
        for key in (names[item.workflow_id], "total"):
            by[key]["actions"][state] += 1
    for key in names.values():
        by[key]["latency"] = defaultdict(lambda: (None, None))
    for (key, which), values in latencies.items():
        by[key]["latency"][which] = (statistics.median(values), max(values))
    return by


def test_november_figures_match_a_direct_count_per_workflow_and_in_total(history):
    db, _ = history
    figures = compute_report(db, team_id=TEAM, period=NOVEMBER, timezone="Europe/Paris")
    expected = direct_count(db)

    sections = {s.workflow: s for s in figures.workflows} | {"total": figures.total}
    assert set(sections) == {"Support resolution", "Renewal risk", "total"}
    assert figures.quiet_workflows == ["Onboarding"]
    for key, s in sections.items():
        want = expected[key]
        assert {c: n for c, n in s.decisions.items() if n} == dict(want["decisions"]), key
        assert (s.sessions, s.undecided, s.still_open) == (
            want["sessions"].total(),
            want["sessions"]["undecided"],
            want["sessions"]["still_open"],
        )
        assert (s.latency.median_s, s.latency.worst_s) == want["latency"]["now"], key
        assert s.previous_latency.median_s == want["latency"]["before"][0], key
        assert s.by_kind == dict(want["kind"]) and s.by_severity == dict(want["severity"]), key
        assert s.by_tier == dict(want["tier"]), key
        assert s.escalations == want["kind"].total()
        assert (s.ack.median_s, s.resolve.median_s) == (
            want["latency"]["ack"][0],
            want["latency"]["resolve"][0],
        ), key
        assert (s.council_raised, s.council_resolved) == (
            want["council"].total(),
            want["council"]["resolved"],
        ), key
        assert (s.gaps, s.gaps_closed) == (want["gaps"].total(), want["gaps"]["closed"]), key
        assert (s.actions_due, s.actions_on_time, s.actions_late, s.actions_overdue) == (
            want["actions"].total(),
            want["actions"]["on_time"],
            want["actions"]["late"],
            want["actions"]["overdue"],
        ), key


def test_the_story_exercises_every_figure(history):
    """Guards the test above: each figure it compares is non-trivial in November."""
    db, _ = history
    t = compute_report(db, team_id=TEAM, period=NOVEMBER, timezone="Europe/Paris").total
    assert t.undecided and t.still_open and len([n for n in t.decisions.values() if n]) >= 3
    assert t.trend_s and t.trend_s > 0  # decisions got slower
    assert t.council_raised > t.council_resolved > 0
    assert t.gaps > t.gaps_closed > 0 and "1" in t.by_tier
    assert t.actions_on_time and t.actions_late and t.actions_overdue


def test_an_escalation_half_an_hour_into_november_in_paris_counts_for_november(history):
    db, ids = history
    edge = db.exec(select(Escalation).where(Escalation.summary == "Midnight outage")).one()
    assert edge.created_at.day == 31 and edge.created_at.astimezone(ZONE).day == 1
    october = compute_report(db, team_id=TEAM, period=NOVEMBER.previous(), timezone="Europe/Paris")
    november = compute_report(db, team_id=TEAM, period=NOVEMBER, timezone="Europe/Paris")
    assert (
        "sev2"
        not in next(s for s in october.workflows if s.workflow_id == ids["renewals"]).by_severity
    )
    assert november.total.by_severity.get("sev2", 0) >= 1


def test_the_report_leads_with_the_worst_trend_the_oldest_overdue_action_and_an_open_matter(
    history,
):
    db, _ = history
    figures = compute_report(db, team_id=TEAM, period=NOVEMBER, timezone="Europe/Paris")

    assert [a.kind for a in figures.attention] == ["trend", "overdue_action", "council_matter"]
    worst = max(figures.workflows, key=lambda s: s.trend_s or 0)
    assert f"*{worst.workflow}* are slower" in figures.attention[0].text
    overdue = db.exec(
        select(ActionItem)
        .where(ActionItem.completed_at == None)  # noqa: E711
        .order_by(ActionItem.due_on, ActionItem.id)
    ).first()
    assert f"“{overdue.description}”" in figures.attention[1].text
    open_matter = db.exec(
        select(Escalation)
        .where(Escalation.resolved_at == None)  # noqa: E711
        .where((Escalation.council_matter != None) | Escalation.needs_council)  # noqa: E711
        .order_by(Escalation.created_at)
    ).first()
    assert f"Council matter #{open_matter.id} " in figures.attention[2].text


def test_outcome_owners_see_only_their_workflows(history):
    db, ids = history
    figures = compute_report(
        db, team_id=TEAM, period=NOVEMBER, timezone="Europe/Paris", workflow_ids={ids["support"]}
    )
    assert [s.workflow for s in figures.workflows] == ["Support resolution"]
    assert figures.quiet_workflows == []
    assert all("Renewal" not in a.text for a in figures.attention)


def test_a_month_without_activity_is_quiet(history):
    db, _ = history
    figures = compute_report(
        db, team_id=TEAM, period=Period(date(2026, 9, 1)), timezone="Europe/Paris"
    )
    assert figures.quiet and figures.workflows == [] and figures.attention == []
