"""Skipping a week: the low-risk guardrail. Recorded as the decision "skipped", never as silence."""

from __future__ import annotations

from sqlmodel import Session

from cadence import audit, outbox
from cadence.accountability import authority
from cadence.errors import Conflict, InvalidInput
from cadence.governance import threads
from cadence.governance.decisions import RATIONALE_MAX, already_recorded, close_session
from cadence.people import mention
from cadence.text import escape
from cadence.vocabulary import GovernanceChoice, RiskTier, SessionKind, SessionStatus
from storage.clock import now
from storage.models import Decision, GovernanceSession, Workflow, pk


def skippable(db: Session, *, session_id: int, team_id: str, actor_id: str) -> GovernanceSession:
    """The session, if the actor may skip it now: an open weekly thread of a low-risk workflow,
    skipped by its outcome owner."""
    session = threads.get_session(db, session_id=session_id, team_id=team_id)
    workflow = db.get(Workflow, session.workflow_id)
    if workflow is None:
        raise InvalidInput("That workflow no longer exists.")
    if session.status != SessionStatus.OPEN:
        raise Conflict(already_recorded(db, pk(session)))
    if session.kind != SessionKind.WEEKLY or workflow.risk_tier != RiskTier.LOW:
        raise InvalidInput("Only the weekly thread of a low-risk workflow can be skipped.")
    authority.require_skip_authority(db, workflow=workflow, user_id=actor_id)
    return session


def skip_week(
    db: Session, *, session_id: int, team_id: str, actor_id: str, reason: str, default_zone: str
) -> Decision:
    """Record the week as skipped, with the reason; the workflow's status stays as it is."""
    session = skippable(db, session_id=session_id, team_id=team_id, actor_id=actor_id)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Please say why this week is skipped.", field="reason")
    if len(reason) > RATIONALE_MAX:
        raise InvalidInput(f"Please keep it to {RATIONALE_MAX} characters.", field="reason")
    moment = now()
    close_session(db, session_id=session_id, moment=moment)
    # No latency: a skip is not a decision on the workflow, so it does not count in the figure.
    decision = Decision(session_id=session_id, choice=GovernanceChoice.SKIPPED.value,
                        rationale=reason, recorded_by=actor_id, created_at=moment)  # fmt: skip
    db.add(decision)
    db.flush()
    audit.record(db, team_id=session.team_id, actor=actor_id, action="governance.skipped",
                 workflow_id=session.workflow_id, session_id=session_id, reason=reason)  # fmt: skip
    sid = pk(session)
    outbox.post_message(
        db,
        key=f"governance:{sid}:decision",
        channel=session.channel_id,
        text=f":fast_forward: *Skipped this week* — {mention(actor_id)} (low-risk workflow)\n"
        + ">"
        + escape(reason).replace("\n", "\n>"),
        thread_of=threads.parent_key(sid),
        team_id=session.team_id,
    )
    outbox.render_message(db, key=f"governance:{sid}:decided", method="chat.update",
                          renderer=outbox.RendererName.GOVERNANCE_PARENT,
                          args=threads.render_args(sid, default_zone),
                          of=threads.parent_key(sid), team_id=session.team_id)  # fmt: skip
    return decision
