"""The end of a reset (day 30 over, or stopped early): the checklist is frozen as it stood, and
a summary (done, late, missed) goes to the governance channel and to the council, once."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from cadence import audit, outbox
from cadence.accountability import council
from cadence.reset import checklist
from cadence.reset.context import calendar_of
from cadence.reset.items import tally
from cadence.vocabulary import ResetStatus
from storage.clock import now
from storage.models import AccountabilityReset, Workflow, pk

SYSTEM_ACTOR = "cadence"
ARCHIVED_REASON = "the workflow was archived"  # a reset's end when its workflow is archived


def summary_key(reset_id: int, recipient: str) -> str:
    """Outbox key of the end summary to one channel or person."""
    return f"reset:{reset_id}:summary:{recipient}"


def finish(
    db: Session,
    *,
    reset: AccountabilityReset,
    status: ResetStatus,
    actor_id: str,
    default_zone: str,
    reason: str | None = None,
) -> bool:
    """End the reset once (False if it had ended already): freeze the checklist, queue the
    summary to the channel and the council, and audit it."""
    rid = pk(reset)
    ends_at = calendar_of(reset).ends_at
    moment = min(now(), ends_at) if status == ResetStatus.FINISHED else now()
    ended = db.exec(  # type: ignore[call-overload]
        update(AccountabilityReset)
        .where(col(AccountabilityReset.id) == rid, col(AccountabilityReset.ended_at).is_(None))
        .values(status=status.value, ended_at=moment, ended_by=actor_id, end_reason=reason)
    )
    if ended.rowcount != 1:
        return False  # another process (or request) ended it a moment ago
    db.refresh(reset)
    results = checklist.evaluate(db, reset=reset, moment=moment)
    reset.outcome = [r.model_dump(mode="json") for r in results]
    db.add(reset)
    db.flush()
    piles = tally(results)
    workflow = db.get(Workflow, reset.workflow_id)
    assert workflow is not None  # foreign key
    audit.record(
        db,
        team_id=reset.team_id,
        actor=actor_id,
        action=f"reset.{status.value}",
        workflow_id=workflow.id,
        reset_id=rid,
        reason=reason,
        **{pile: [r.key.value for r in items] for pile, items in piles.items()},
    )
    channel = council.council_channel(db, team_id=reset.team_id)
    recipients = [workflow.channel_id]
    recipients += [channel] if channel else council.member_ids(db, team_id=reset.team_id)
    for recipient in dict.fromkeys(recipients):
        outbox.render_message(
            db,
            key=summary_key(rid, recipient),
            method="chat.postMessage",
            renderer=outbox.RendererName.RESET_SUMMARY,
            args={"reset_id": rid, "channel": recipient},
            team_id=reset.team_id,
        )
    checklist.refresh_if_changed(db, reset=reset, default_zone=default_zone)
    return True
