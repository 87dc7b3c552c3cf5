"""Recording the weekly decision, its follow-up actions, and the decision log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.accountability import authority, council
from cadence.errors import Conflict, InvalidInput
from cadence.governance import threads
from cadence.governance.schedule import local_time
from cadence.text import escape
from cadence.vocabulary import (
    STATUS_AFTER,
    VOTE_CHOICES,
    GovernanceChoice,
    RiskTier,
    SessionStatus,
)
from storage.clock import now
from storage.models import ActionItem, Decision, GovernanceSession, Workflow, pk

RATIONALE_MAX = 3000
ACTION_MAX = 500
FOLLOW_UPS_MAX = 3


@dataclass(frozen=True)
class FollowUp:
    """One follow-up action as entered: what, who, by when."""

    description: str
    owner_id: str
    due_on: date | None = None
    slot: int = 0  # which of the form's rows it came from (for error messages)


def validate_decision(
    *,
    choice: GovernanceChoice,
    rationale: str,
    follow_ups: list[FollowUp],
    re_review_on: date | None,
    today: date,
) -> str:
    """The cleaned rationale, or InvalidInput naming the field that is wrong."""
    if choice not in VOTE_CHOICES:
        raise InvalidInput("Pick one of the four decisions.", field="choice")
    rationale = rationale.strip()
    if not rationale:
        raise InvalidInput("Please give the rationale for the decision.", field="rationale")
    if len(rationale) > RATIONALE_MAX:
        raise InvalidInput(
            f"Please keep the rationale to {RATIONALE_MAX} characters.", field="rationale"
        )
    if len(follow_ups) > FOLLOW_UPS_MAX:
        raise InvalidInput(f"At most {FOLLOW_UPS_MAX} follow-up actions.", field="action1")
    for number, item in enumerate(follow_ups, start=1):
        if item.due_on is not None and item.due_on < today:
            raise InvalidInput("The due date is in the past.", field=f"action{item.slot or number}")
    if choice.needs_follow_up:
        if not follow_ups:
            raise InvalidInput(
                f"“{choice.label}” needs at least one follow-up action.", field="action1"
            )
        if re_review_on is None:
            raise InvalidInput(f"“{choice.label}” needs a re-review date.", field="re_review")
    if re_review_on is not None and re_review_on <= today:
        raise InvalidInput("The re-review date must be in the future.", field="re_review")
    return rationale


def record_decision(
    db: Session,
    *,
    session_id: int,
    team_id: str,
    actor_id: str,
    choice: GovernanceChoice,
    rationale: str,
    follow_ups: list[FollowUp],
    re_review_on: date | None,
    timezone: str,
    default_zone: str,
) -> Decision:
    """Record the session's decision once: actions, workflow status, thread post, DMs."""
    session = threads.get_session(db, session_id=session_id, team_id=team_id)
    workflow = db.get(Workflow, session.workflow_id)
    if workflow is None:
        raise InvalidInput("That workflow no longer exists.")
    authority.require_decision_authority(db, workflow=workflow, user_id=actor_id)
    moment = now()
    rationale = validate_decision(
        choice=choice,
        rationale=rationale,
        follow_ups=follow_ups,
        re_review_on=re_review_on,
        today=local_time(moment, timezone).date(),
    )
    close_session(db, session_id=session_id, moment=moment)
    latency = int((moment - session.created_at).total_seconds())
    decision = Decision(
        session_id=session_id,
        choice=choice.value,
        rationale=rationale,
        recorded_by=actor_id,
        re_review_on=re_review_on,
        latency_seconds=max(latency, 0),
        created_at=moment,
    )
    db.add(decision)
    db.flush()
    items = _add_follow_ups(db, workflow, decision, follow_ups, actor_id)
    workflow.status = STATUS_AFTER[choice].value
    workflow.re_review_on = re_review_on
    db.add(workflow)
    db.flush()
    audit.record(
        db,
        team_id=workflow.team_id,
        actor=actor_id,
        action="governance.decided",
        workflow_id=workflow.id,
        session_id=session_id,
        choice=choice.value,
        latency_seconds=decision.latency_seconds,
        status=workflow.status,
        re_review_on=re_review_on.isoformat() if re_review_on else None,
        actions=[i.id for i in items],
    )
    _announce(db, session, workflow, decision, items, default_zone)
    return decision


def close_session(db: Session, *, session_id: int, moment: datetime) -> None:
    """Mark the session decided: the first write, and the guard against a double submit or
    two approvers at once (the loser gets a Conflict saying who recorded it)."""
    closed = db.exec(  # type: ignore[call-overload]
        update(GovernanceSession)
        .where(
            col(GovernanceSession.id) == session_id, GovernanceSession.status == SessionStatus.OPEN
        )
        .values(status=SessionStatus.DECIDED, closed_at=moment)
    )
    if closed.rowcount != 1:
        raise Conflict(already_recorded(db, session_id))


def _add_follow_ups(
    db: Session, workflow: Workflow, decision: Decision, follow_ups: list[FollowUp], actor_id: str
) -> list[ActionItem]:
    """The decision's follow-up actions, each owned and (optionally) dated."""
    items = [
        ActionItem(
            workflow_id=pk(workflow),
            decision_id=decision.id,
            description=f.description[:ACTION_MAX],
            owner_id=f.owner_id,
            due_on=f.due_on,
            created_by=actor_id,
            created_at=decision.created_at,
        )
        for f in follow_ups
    ]
    db.add_all(items)
    return items


def _announce(
    db: Session,
    session: GovernanceSession,
    workflow: Workflow,
    decision: Decision,
    items: list[ActionItem],
    default_zone: str,
) -> None:
    sid = pk(session)
    choice = GovernanceChoice(decision.choice)
    lines = [
        f":white_check_mark: *Decision: {choice.label}* — recorded by <@{decision.recorded_by}>",
        f">{escape(decision.rationale)}",
    ]
    lines[1] = "\n>".join(lines[1].splitlines())
    if items:
        lines.append("*Follow-up actions*")
        lines += [follow_up_line(i) for i in items]
    if decision.re_review_on:
        lines.append(f"Re-review on {decision.re_review_on:%a %d %b %Y}.")
    lines.append(f"Workflow status: *{workflow.status}*.")
    outbox.post_message(
        db,
        key=f"governance:{sid}:decision",
        channel=session.channel_id,
        text="\n".join(lines),
        thread_of=threads.parent_key(sid),
        team_id=session.team_id,
    )
    outbox.render_message(
        db,
        key=f"governance:{sid}:decided",
        method="chat.update",
        renderer=outbox.RendererName.GOVERNANCE_PARENT,
        args=threads.render_args(sid, default_zone),
        of=threads.parent_key(sid),
        team_id=session.team_id,
    )
    if workflow.risk_tier == RiskTier.HIGH:
        tell_council(db, session, workflow, "\n".join(lines), skip=decision.recorded_by)
    for item in items:
        outbox.post_message(
            db,
            key=f"action:{item.id}:assigned",
            channel=item.owner_id,
            team_id=session.team_id,
            text=(
                f"<@{decision.recorded_by}> gave you a follow-up action from the weekly "
                f"governance decision on *{escape(workflow.name)}* ({choice.label}):\n"
                + follow_up_line(item)
            ),
        )


def tell_council(
    db: Session, session: GovernanceSession, workflow: Workflow, text: str, *, skip: str
) -> None:
    """High-risk guardrail: every council member is informed of the decision (once each)."""
    for user in council.member_ids(db, team_id=workflow.team_id):
        if user != skip:
            outbox.post_message(
                db,
                key=f"governance:{pk(session)}:council:{user}",
                channel=user,
                text=f":classical_building: For the AI council (high-risk workflow "
                f"*{escape(workflow.name)}*):\n{text}",
                team_id=workflow.team_id,
            )


def follow_up_line(item: ActionItem) -> str:
    """'• Retrain the intent model — @sam, due Mon 30 Nov'."""
    due = f", due {item.due_on:%a %d %b}" if item.due_on else ""
    return f"• {escape(item.description)} — <@{item.owner_id}>{due}"


def already_recorded(db: Session, session_id: int) -> str:
    """A kind answer to a second attempt at recording a session's decision."""
    decision = db.exec(select(Decision).where(Decision.session_id == session_id)).first()
    if decision is None:
        return "This governance thread is already closed."
    return (
        f"The decision was already recorded: *{GovernanceChoice(decision.choice).label}* by "
        f"<@{decision.recorded_by}>. Nothing was changed."
    )
