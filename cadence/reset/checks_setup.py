"""The checks of weeks 1 and 2: the focus, the owners, the map, the scorecard's baseline, the
risk-review triggers and the council's confirmation of the decision rights."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import col, select

from cadence.accountability import confirmations, queries
from cadence.canvas import refresh as canvas_refresh
from cadence.governance import scorecard, triggers
from cadence.governance.threads import SYSTEM_ACTOR
from cadence.people import mention
from cadence.reset.context import ResetContext
from cadence.reset.items import Evidence
from cadence.text import escape
from cadence.vocabulary import OutboxStatus, OwnerRole
from storage.models import (
    AuditEvent,
    ChannelCanvas,
    OwnerAssignment,
    RiskTrigger,
    ScorecardEntry,
    pk,
)

# A role handed from one person to the next in one step counts as held throughout.
HANDOVER = timedelta(seconds=5)


def workflow_chosen(ctx: ResetContext) -> Evidence:
    """Done by starting the reset."""
    reset = ctx.reset
    detail = f"*{ctx.name}*"
    if reset.parallel_reason:
        detail += f", beside another reset: {escape(reset.parallel_reason)}"
    return Evidence(True, detail, reset.started_by, reset.created_at)


def _held_since(rows: list[OwnerAssignment]) -> OwnerAssignment | None:
    """The assignment from which the role has been held without a break until now."""
    if not rows or rows[-1].ended_at is not None:
        return None
    start = rows[-1]
    for previous in reversed(rows[:-1]):
        if previous.ended_at is None or previous.ended_at < start.created_at - HANDOVER:
            break
        start = previous
    return start


def owners_assigned(ctx: ResetContext) -> Evidence:
    """Both the outcome owner and the workflow owner hold their role now; done when both first
    did (without a break since)."""
    history = queries.owner_history(ctx.db, workflow_id=pk(ctx.workflow))
    since = {
        role: _held_since([r for r in history if r.role == role and not r.stage])
        for role in (OwnerRole.OUTCOME, OwnerRole.WORKFLOW)
    }
    outcome, workflow = since[OwnerRole.OUTCOME], since[OwnerRole.WORKFLOW]
    if outcome is None or workflow is None:
        missing, act = [], []
        if outcome is None:
            missing.append("no outcome owner")
            act.append(f"{ctx.council()}: `/owner outcome @person {ctx.name}`")
        if workflow is None:
            missing.append("no workflow owner")
            act.append(f"{ctx.outcome_owner()}: `/owner workflow @person {ctx.name}`")
        return Evidence(False, missing=", ".join(missing), act="; ".join(act))
    later = max(outcome, workflow, key=lambda r: r.created_at)
    outcome_id, workflow_id = ctx.owners.outcome or "", ctx.owners.workflow or ""
    detail = f"outcome {mention(outcome_id)}, workflow {mention(workflow_id)}"
    return Evidence(True, detail, later.assigned_by, later.created_at)


def map_published(ctx: ResetContext) -> Evidence:
    """The channel's living canvas shows the map, or `/cadence map` was posted since the start."""
    canvas = ctx.db.exec(
        select(ChannelCanvas).where(ChannelCanvas.workflow_id == ctx.workflow.id)
    ).first()
    if canvas is not None and canvas.status == canvas_refresh.LIVE:
        since = max(canvas.created_at, ctx.reset.created_at)
        return Evidence(True, f"on the canvas of <#{canvas.channel_id}>", SYSTEM_ACTOR, since)
    if canvas is not None and canvas.status == canvas_refresh.REFUSED:
        key = canvas_refresh.fallback_key(canvas, canvas_refresh.MAP)
        stand_in = canvas_refresh.existing(ctx.db, key)
        if stand_in is not None and stand_in.status == OutboxStatus.SENT:
            since = max(stand_in.created_at, ctx.reset.created_at)
            detail = f"kept current in <#{canvas.channel_id}> (canvases are off)"
            return Evidence(True, detail, SYSTEM_ACTOR, since)
    posted = ctx.db.exec(
        select(AuditEvent)
        .where(AuditEvent.workflow_id == ctx.workflow.id, AuditEvent.action == "map.posted")
        .where(AuditEvent.created_at >= ctx.reset.created_at)
        .order_by(col(AuditEvent.id))
    ).first()
    if posted is None:
        return Evidence(
            False,
            missing="the escalation map has not been posted since the reset started",
            act=(
                f"{ctx.workflow_owner()}: `/cadence map {ctx.name}` in <#{ctx.workflow.channel_id}>"
            ),
        )
    where = str(posted.detail.get("channel_id") or "")
    return Evidence(True, f"in <#{where}>" if where else "", posted.actor, posted.created_at)


def scorecard_baselined(ctx: ResetContext) -> Evidence:
    """A first complete week: every reported measure of one week (from the week before the
    reset on); decision latency is computed, never reported."""
    first_week = ctx.calendar.start_day - timedelta(days=ctx.calendar.start_day.weekday() + 7)
    rows = ctx.db.exec(
        select(ScorecardEntry)
        .where(ScorecardEntry.workflow_id == ctx.workflow.id)
        .where(col(ScorecardEntry.week_start) >= first_week)
    ).all()
    weeks: dict[date, list[ScorecardEntry]] = {}
    for row in rows:
        if row.metric in {m.value for m in scorecard.REPORTED}:
            weeks.setdefault(row.week_start, []).append(row)
    complete = {w: es for w, es in weeks.items() if len(es) == len(scorecard.REPORTED)}
    if complete:
        week, entries = min(complete.items(), key=lambda i: max(e.created_at for e in i[1]))
        last = max(entries, key=lambda e: e.created_at)
        detail = f"week of {week:%d %b}: all {len(entries)} reported measures"
        return Evidence(True, detail, last.recorded_by, last.created_at)
    act = (
        f"{ctx.workflow_owner()}: *Update scorecard* in the weekly thread, or "
        f"`/cadence scorecard {ctx.name}`"
    )
    if not weeks:
        return Evidence(False, missing="no scorecard reported yet", act=act)
    week, entries = max(weeks.items(), key=lambda i: (len(i[1]), i[0]))
    have = {e.metric for e in entries}
    lacking = [s.label.lower() for m, s in scorecard.REPORTED.items() if m.value not in have]
    return Evidence(False, missing=f"week of {week:%d %b} lacks {', '.join(lacking)}", act=act)


def triggers_defined(ctx: ResetContext) -> Evidence:
    """At least one risk-review trigger set on the workflow."""
    rows = ctx.db.exec(
        select(RiskTrigger)
        .where(RiskTrigger.workflow_id == ctx.workflow.id)
        .order_by(col(RiskTrigger.created_at))
    ).all()
    if not rows:
        return Evidence(
            False,
            missing="no risk-review trigger set",
            act=f"{ctx.outcome_owner()}: `/cadence triggers {ctx.name}`",
        )
    rules = triggers.current_rules(ctx.db, workflow_id=pk(ctx.workflow))
    detail = f"{len(rules)} of {len(triggers.SPECS)} metrics: " + "; ".join(
        r.describe() for r in rules
    )
    return Evidence(True, detail, rows[0].set_by, rows[0].created_at)


def rights_confirmed(ctx: ResetContext) -> Evidence:
    """A council member confirmed the rights in force (void once they changed)."""
    found = confirmations.standing(ctx.db, workflow_id=pk(ctx.workflow))
    act = f"{ctx.council()}: *Confirm decision rights* on the map (`/cadence map {ctx.name}`)"
    if found is None:
        return Evidence(False, missing="not confirmed yet", act=act)
    row = found.confirmation
    if not found.holds:
        when = _local(ctx, row.created_at)
        missing = f"confirmed by {mention(row.confirmed_by)} {when}, but the rights changed since"
        return Evidence(False, missing=missing, act=act)
    return Evidence(True, "unchanged since", row.confirmed_by, row.created_at)


def _local(ctx: ResetContext, moment: datetime) -> str:
    """'on Wed 02 Dec' in the workspace's zone."""
    return f"on {ctx.calendar.today(moment):%a %d %b}"
