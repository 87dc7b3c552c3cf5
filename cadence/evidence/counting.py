"""Counting one workspace's period for the council report, straight from the record."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import false, or_
from sqlmodel import Session, col, select

from cadence.escalations.visibility import shown_summary
from cadence.evidence.attention import attention_items
from cadence.evidence.figures import CouncilMatter, Latency, ReportFigures, Section, add_counts
from cadence.evidence.periods import Period, Window
from storage.models import (
    ActionItem,
    AuditEvent,
    Decision,
    Escalation,
    EscalationEvent,
    GovernanceSession,
    Workflow,
)

Durations = defaultdict[str, defaultdict[int, list[int]]]  # figure -> workflow id -> seconds
# An unauthorised change of hands is closed once someone with authority takes an explicit step.
CLOSING_STEPS = ("acknowledged", "handed_off", "resolved")
OTHER_EVIDENCE = ("risk", "trigger", "reset")  # audit actions of features built elsewhere
NOT_EVIDENCE = ("reset.weekly_dm",)  # a reminder sent, not something done


def compute_report(
    db: Session,
    *,
    team_id: str,
    period: Period,
    timezone: str,
    workflow_ids: set[int] | None = None,
) -> ReportFigures:
    """The report's figures for one workspace (or only some of its workflows)."""
    window = Window(team_id, period, timezone)
    names = {
        w.id: w.name
        for w in db.exec(select(Workflow).where(Workflow.team_id == team_id))
        if workflow_ids is None or w.id in workflow_ids
    }
    sections: dict[int, Section] = defaultdict(Section)
    durations: Durations = defaultdict(lambda: defaultdict(list))
    _decisions(db, window, names, sections, durations)
    _sessions(db, window, names, sections)
    matters = _escalations(db, window, names, sections, durations)
    _gaps(db, window, names, sections)
    _actions(db, window, names, sections)
    _other(db, window, names, sections)
    for figure, by_workflow in durations.items():
        for workflow_id, seconds in by_workflow.items():
            setattr(sections[workflow_id], figure, Latency.of(seconds))
    shown = []
    for workflow_id, section in sorted(sections.items(), key=lambda i: names[i[0]].casefold()):
        section.workflow, section.workflow_id = names[workflow_id], workflow_id
        if section.active:
            shown.append(section)
    quiet = [n for i, n in names.items() if i not in {s.workflow_id for s in shown}]
    figures = ReportFigures(
        team_id=team_id,
        period=period.key,
        label=period.label,
        timezone=timezone,
        total=_total(shown, durations),
        workflows=shown,
        council_matters=matters,
        quiet_workflows=sorted(quiet, key=str.casefold),
    )
    figures.attention = attention_items(db, window, names, figures)
    return figures


def _decisions(
    db: Session, w: Window, names: dict, sections: dict[int, Section], durations: Durations
) -> None:
    for period, figure in ((w.period, "latency"), (w.period.previous(), "previous_latency")):
        start, end = period.bounds(w.timezone)
        rows = db.exec(
            select(GovernanceSession.workflow_id, Decision.choice, Decision.latency_seconds)
            .join(GovernanceSession, col(GovernanceSession.id) == col(Decision.session_id))
            .where(col(GovernanceSession.workflow_id).in_(names))
            .where(Decision.created_at >= start, Decision.created_at < end)
        ).all()
        for workflow_id, choice, latency in rows:
            if figure == "latency":
                decisions = sections[workflow_id].decisions
                decisions[choice] = decisions.get(choice, 0) + 1
            if latency is not None:
                durations[figure][workflow_id].append(latency)


def _sessions(db: Session, w: Window, names: dict, sections: dict[int, Section]) -> None:
    rows = db.exec(
        select(GovernanceSession.workflow_id, GovernanceSession.week_start, Decision.created_at)
        .outerjoin(Decision, col(Decision.session_id) == col(GovernanceSession.id))
        .where(col(GovernanceSession.workflow_id).in_(names))
        .where(GovernanceSession.week_start >= w.period.start)
        .where(GovernanceSession.week_start < w.period.end)
    ).all()
    for workflow_id, week_start, decided_at in rows:
        section = sections[workflow_id]
        section.sessions += 1
        if decided_at is not None and decided_at < w.end:
            continue
        if week_start + timedelta(days=7) <= w.period.end:
            section.undecided += 1
        else:
            section.still_open += 1


def _escalations(
    db: Session, w: Window, names: dict, sections: dict[int, Section], durations: Durations
) -> list[CouncilMatter]:
    raised = db.exec(
        select(Escalation)
        .where(col(Escalation.workflow_id).in_(names))
        .where(Escalation.created_at >= w.start, Escalation.created_at < w.end)
        .order_by(col(Escalation.id))
    ).all()
    climbs = Counter(
        db.exec(
            select(EscalationEvent.escalation_id)
            .where(col(EscalationEvent.escalation_id).in_([e.id for e in raised]))
            .where(EscalationEvent.kind == "rerouted", EscalationEvent.created_at < w.end)
        ).all()
    )
    matters = []
    for e in raised:
        section = sections[e.workflow_id]
        section.escalations += 1
        add_counts(section.by_kind, Counter([e.council_matter or e.decision_point]))
        add_counts(section.by_severity, Counter([e.severity]))
        add_counts(section.by_tier, Counter([str(climbs[e.id or 0])]))
        if e.acknowledged_at is not None and e.acknowledged_at < w.end:
            durations["ack"][e.workflow_id].append(e.ack_latency_seconds or 0)
        resolved = e.resolved_at is not None and e.resolved_at < w.end
        if resolved:
            durations["resolve"][e.workflow_id].append(e.resolve_latency_seconds or 0)
        if e.council_matter or e.needs_council:
            section.council_raised += 1
            section.council_resolved += resolved
            matters.append(_matter(e, names, w, resolved))
    return matters


def _matter(e: Escalation, names: dict, w: Window, resolved: bool) -> CouncilMatter:
    return CouncilMatter(
        escalation_id=e.id or 0,
        workflow=names[e.workflow_id],
        matter=e.council_matter or e.decision_point,
        severity=e.severity,
        summary=shown_summary(e),
        raised_on=w.local_day(e.created_at).isoformat(),
        resolved_on=w.local_day(e.resolved_at).isoformat() if resolved and e.resolved_at else None,
        resolution=e.resolution if resolved and not e.confidential else None,
    )


def _gaps(db: Session, w: Window, names: dict, sections: dict[int, Section]) -> None:
    gaps = db.exec(
        select(EscalationEvent, Escalation.workflow_id)
        .join(Escalation, col(Escalation.id) == col(EscalationEvent.escalation_id))
        .where(col(Escalation.workflow_id).in_(names))
        .where(col(EscalationEvent.authorized) == false())
        .where(EscalationEvent.created_at >= w.start, EscalationEvent.created_at < w.end)
    ).all()
    steps: dict[int, list[datetime]] = defaultdict(list)
    for escalation_id, at in db.exec(
        select(EscalationEvent.escalation_id, EscalationEvent.created_at)
        .where(col(EscalationEvent.escalation_id).in_({g.escalation_id for g, _ in gaps}))
        .where(col(EscalationEvent.authorized), col(EscalationEvent.kind).in_(CLOSING_STEPS))
        .where(EscalationEvent.created_at < w.end)
    ).all():
        steps[escalation_id].append(at)
    for gap, workflow_id in gaps:
        sections[workflow_id].gaps += 1
        sections[workflow_id].gaps_closed += any(
            at >= gap.created_at for at in steps[gap.escalation_id]
        )


def _actions(db: Session, w: Window, names: dict, sections: dict[int, Section]) -> None:
    for item in db.exec(
        select(ActionItem)
        .where(col(ActionItem.workflow_id).in_(names))
        .where(col(ActionItem.due_on) >= w.period.start, col(ActionItem.due_on) < w.period.end)
    ).all():
        section = sections[item.workflow_id]
        section.actions_due += 1
        done = item.completed_at is not None and item.completed_at < w.end
        if not done:
            section.actions_overdue += 1
        elif item.completed_at and item.due_on and w.local_day(item.completed_at) <= item.due_on:
            section.actions_on_time += 1
        else:
            section.actions_late += 1


def _other(db: Session, w: Window, names: dict, sections: dict[int, Section]) -> None:
    rows = db.exec(
        select(AuditEvent.workflow_id, AuditEvent.action)
        .where(col(AuditEvent.workflow_id).in_(names))
        .where(or_(*(col(AuditEvent.action).contains(word) for word in OTHER_EVIDENCE)))
        .where(col(AuditEvent.action).not_in(NOT_EVIDENCE))
        .where(AuditEvent.created_at >= w.start, AuditEvent.created_at < w.end)
    ).all()
    for workflow_id, action in rows:
        add_counts(sections[workflow_id].other, Counter([action]))


def _total(shown: list[Section], durations: Durations) -> Section:
    """The workspace's figures: counts added up, durations pooled (a median of medians lies)."""
    total = Section()
    for s in shown:
        for name in (
            "sessions",
            "undecided",
            "still_open",
            "escalations",
            "council_raised",
            "council_resolved",
            "gaps",
            "gaps_closed",
            "actions_due",
            "actions_on_time",
            "actions_late",
            "actions_overdue",
        ):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        for name in ("decisions", "by_kind", "by_severity", "by_tier", "other"):
            add_counts(getattr(total, name), Counter(getattr(s, name)))
    total.decisions = {c: total.decisions.get(c, 0) for c in Section().decisions}
    shown_ids = {s.workflow_id for s in shown}
    for figure, by_workflow in durations.items():
        everyone = figure == "previous_latency"  # the month before counts every workflow
        pooled = [x for wid, xs in by_workflow.items() if everyone or wid in shown_ids for x in xs]
        setattr(total, figure, Latency.of(pooled))
    return total
