"""When Slack refuses a message for good: keep the evidence, and tell someone who can fix it."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.accountability import council, queries
from cadence.canvas import outcomes as canvas_outcomes
from storage.clock import now
from storage.models import OutboxMessage, Workflow, pk

SYSTEM_ACTOR = "cadence"

# Errors a person can fix in Slack, and how; {channel} is the channel's mention.
CHANNEL_FIXES: dict[str, str] = {
    "not_in_channel": "invite @Cadence to {channel} (type `/invite @Cadence` in the channel)",
    "channel_not_found": (
        "check that {channel} still exists; if it is private, invite @Cadence to it "
        "(`/invite @Cadence`)"
    ),
    "is_archived": "{channel} is archived: unarchive it, or move the workflow to a live channel",
}


def hint_for(error: str, channel: str) -> str | None:
    """What a person could do about `error` in `channel`, or None when it is not theirs to fix."""
    fix = CHANNEL_FIXES.get(error)
    if fix is None or not channel.startswith(("C", "G")):
        return None
    return fix.format(channel=f"<#{channel}>")


def record_delivery_failure(
    db: Session, *, message: OutboxMessage, error: str, channel: str | None = None
) -> str | None:
    """Audit a message Slack refused for good; DM a fix to the owners of the channel's workflows.

    Returns the hint (if any) so the caller can log it. At most one hint per person, channel and
    error a day, so a channel missing the bot does not flood its owners.
    """
    channel = channel or str(message.payload.get("channel", ""))
    hint = hint_for(error, channel)
    affected = _workflows_in(db, channel) if channel else []
    team_id = message.team_id or (affected[0].team_id if affected else "")
    audit.record(
        db,
        team_id=team_id,
        actor=SYSTEM_ACTOR,
        action="outbox.failed",
        workflow_id=affected[0].id if len(affected) == 1 else None,
        key=message.idempotency_key,
        method=message.method,
        channel=channel,
        error=error,
        hint=hint,
    )
    # A canvas refused here falls back to messages (and its owners are told how to enable it).
    # After the audit row: every writer takes the audit chain's head before a canvas row.
    canvas_outcomes.on_failed(db, message=message, error=error)
    if hint is None or not affected:
        return hint
    names = ", ".join(f"*{w.name}*" for w in affected[:5])
    text = (
        f":warning: I could not post in <#{channel}> ({error}), the governance channel of "
        f"{names}. To fix it, {hint}. Messages queued for it will not be retried."
    )
    day = now().date().isoformat()
    for user in _people_to_tell(db, team_id, affected):
        outbox.post_message(
            db,
            key=f"hint:{channel}:{error}:{day}:{user}",
            channel=user,
            text=text,
            team_id=team_id,
        )
    return hint


def _workflows_in(db: Session, channel: str) -> list[Workflow]:
    query = (
        select(Workflow)
        .where(Workflow.channel_id == channel)
        .where(col(Workflow.archived_at).is_(None))
        .order_by(col(Workflow.id))
    )
    return list(db.exec(query).all())


def _people_to_tell(db: Session, team_id: str, workflows: list[Workflow]) -> list[str]:
    people: list[str] = []
    for workflow in workflows:
        current = queries.current_owners(db, workflow_id=pk(workflow))
        people += [u for u in (current.workflow, current.outcome) if u]
    if not people:
        people = council.member_ids(db, team_id=team_id)
    return list(dict.fromkeys(people))
