"""The checks of weeks 3 and 4: governance sessions decided, their follow-through, ownership
gaps closed, the 30-day review (its votes and decision) and the next focus."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from cadence.escalations import gap_notes
from cadence.reset.context import ResetContext, people
from cadence.reset.items import Evidence
from cadence.text import escape
from cadence.vocabulary import ActionStatus, GovernanceChoice, SessionKind
from storage.models import ActionItem, Decision, GovernanceSession, Vote, Workflow, pk

SESSIONS_NEEDED = 2
# How the 30-day review's decision reads as the reset's verdict.
VERDICT = {
    GovernanceChoice.CONTINUE: "scale",
    GovernanceChoice.STABILIZE: "stabilize",
    GovernanceChoice.PAUSE: "stop (pause)",
    GovernanceChoice.REDESIGN: "stop (redesign)",
}


def reset_decisions(ctx: ResetContext) -> list[tuple[Decision, GovernanceSession]]:
    """Decisions recorded on the workflow's governance sessions while the reset ran (skipped
    weeks and the 30-day review itself left out), oldest first."""
    end = ctx.reset.ended_at or ctx.calendar.ends_at
    rows = ctx.db.exec(
        select(Decision, GovernanceSession)
        .join(GovernanceSession, col(GovernanceSession.id) == col(Decision.session_id))
        .where(GovernanceSession.workflow_id == ctx.workflow.id)
        .where(GovernanceSession.kind != SessionKind.RESET_REVIEW.value)
        .where(Decision.choice != GovernanceChoice.SKIPPED.value)
        .where(Decision.created_at >= ctx.reset.created_at, Decision.created_at < end)
        .order_by(col(Decision.created_at), col(Decision.id))
    ).all()
    return [(d, s) for d, s in rows]


def sessions_decided(ctx: ResetContext) -> Evidence:
    """Two governance sessions (weekly or extra) with a recorded decision during the reset."""
    decided = reset_decisions(ctx)
    if len(decided) < SESSIONS_NEEDED:
        return Evidence(
            False,
            missing=f"{len(decided)} of {SESSIONS_NEEDED} so far",
            act=(
                f"{ctx.approvers()}: record the decision in the open governance thread "
                f"(the weekly one, or `/cadence review {ctx.name}`)"
            ),
        )
    decision, _ = decided[SESSIONS_NEEDED - 1]
    shown = ", ".join(
        f"{GovernanceChoice(d.choice).label} ({_day(ctx, d.created_at)})" for d, _ in decided[:4]
    )
    return Evidence(True, f"{len(decided)} decided: {shown}", decision.recorded_by,
                    decision.created_at)  # fmt: skip


def follow_through(ctx: ResetContext) -> Evidence:
    """The reset's decisions have no overdue follow-up; done from the first decision, or from
    the moment the last overdue follow-up was done."""
    decided = reset_decisions(ctx)
    if not decided:
        return Evidence(False, missing="no decision recorded yet",
                        act=f"{ctx.approvers()}: record a governance decision")  # fmt: skip
    items = ctx.db.exec(
        select(ActionItem)
        .where(col(ActionItem.decision_id).in_([pk(d) for d, _ in decided]))
        .order_by(col(ActionItem.id))
    ).all()
    today = ctx.calendar.today(ctx.moment)
    overdue = [a for a in items if a.status != ActionStatus.DONE and a.due_on and a.due_on < today]
    if overdue:
        first = overdue[0]
        missing = (
            f"{len(overdue)} follow-up{'s' if len(overdue) > 1 else ''} overdue, e.g. "
            f"“{escape(first.description[:120])}” (due {first.due_on:%a %d %b})"
        )
        owners = people([a.owner_id for a in overdue])
        return Evidence(False, missing=missing, act=f"{owners}: do it and press *Done*")
    who, when = decided[0][0].recorded_by, decided[0][0].created_at
    for item in items:  # the last follow-up that was overdue and is now done
        late = (
            item.completed_at is not None
            and item.due_on is not None
            and (ctx.calendar.today(item.completed_at) > item.due_on)
        )
        if late and item.completed_at is not None and item.completed_at > when:
            who, when = item.completed_by or item.owner_id, item.completed_at
    done = sum(1 for a in items if a.status == ActionStatus.DONE)
    detail = (
        f"{len(decided)} decision{'s' if len(decided) > 1 else ''}, {len(items)} follow-up"
        f"{'s' if len(items) != 1 else ''}: {done} done, {len(items) - done} on time"
    )
    return Evidence(True, detail, who, when)


def gaps_closed(ctx: ResetContext) -> Evidence:
    """Every ownership gap of the workflow acknowledged by the outcome owner with a note, or
    settled by a later hand-off."""
    gaps = gap_notes.workflow_gaps(ctx.db, workflow_id=pk(ctx.workflow))
    still = [g for g in gaps if g.closure is None]
    if still:
        numbers = ", ".join(
            f"#{n}" for n in dict.fromkeys(g.event.escalation_id for g in still[:8])
        )
        return Evidence(
            False,
            missing=f"{len(still)} of {len(gaps)} gaps open (escalation {numbers})",
            act=(
                f"{ctx.outcome_owner()}: *Acknowledge* each with a note in `/cadence gaps`, "
                "or hand the escalation off"
            ),
        )
    if not gaps:
        return Evidence(True, "no ownership gaps on record", None, ctx.reset.created_at)
    last = max((g.closure for g in gaps if g.closure), key=lambda c: c.at)
    kinds = sorted({g.closure.how for g in gaps if g.closure})
    return Evidence(True, f"{len(gaps)} closed ({', '.join(kinds)})", last.by, last.at)


def _review(ctx: ResetContext) -> GovernanceSession | None:
    sid = ctx.reset.review_session_id
    return ctx.db.get(GovernanceSession, sid) if sid is not None else None


def trend_reviewed(ctx: ResetContext) -> Evidence:
    """The 30-day review opened (day 28) and someone voted in it, or decided it."""
    review = _review(ctx)
    if review is None:
        day = ctx.calendar.review_at
        return Evidence(False, missing=f"the 30-day review opens on day 28 ({_day(ctx, day)})",
                        act="Cadence opens it in the governance channel")  # fmt: skip
    first = ctx.db.exec(
        select(Vote).where(Vote.session_id == review.id).order_by(col(Vote.created_at))
    ).first()
    decision = ctx.db.exec(select(Decision).where(Decision.session_id == review.id)).first()
    seen = [(v.created_at, v.voter) for v in [first] if v is not None]
    seen += [(decision.created_at, decision.recorded_by)] if decision is not None else []
    if not seen:
        return Evidence(
            False,
            missing="nobody has voted in the 30-day review yet",
            act=f"everyone in <#{review.channel_id}>: read the trends and vote",
        )
    when, who = min(seen)
    votes = len(ctx.db.exec(select(Vote.id).where(Vote.session_id == review.id)).all())
    return Evidence(True, f"{votes} vote{'s' if votes != 1 else ''}", who, when)


def final_decision(ctx: ResetContext) -> Evidence:
    """The 30-day review's recorded decision: scale, stabilize or stop."""
    review = _review(ctx)
    decision = (
        ctx.db.exec(select(Decision).where(Decision.session_id == review.id)).first()
        if review is not None
        else None
    )
    if decision is None:
        return Evidence(
            False,
            missing="the 30-day review has no decision yet",
            act=(
                f"{ctx.approvers()}: *Record decision* in the 30-day review (Continue = scale, "
                "Stabilize, Pause or Stop = stop)"
            ),
        )
    choice = GovernanceChoice(decision.choice)
    verdict = VERDICT.get(choice, choice.label.lower())
    return Evidence(True, f"*{verdict}*: {choice.label}", decision.recorded_by,
                    decision.created_at)  # fmt: skip


def next_focus(ctx: ResetContext) -> Evidence:
    """The next 30-day focus workflow named with `/cadence reset next`."""
    reset = ctx.reset
    following = (
        ctx.db.get(Workflow, reset.next_workflow_id) if reset.next_workflow_id is not None else None
    )
    if following is None:
        return Evidence(False, missing="not set",
                        act=f"{ctx.outcome_owner()}: `/cadence reset next WORKFLOW`")  # fmt: skip
    return Evidence(True, f"*{escape(following.name)}*", reset.next_set_by, reset.next_set_at)


def _day(ctx: ResetContext, moment: datetime) -> str:
    return f"{ctx.calendar.today(moment):%a %d %b}"
