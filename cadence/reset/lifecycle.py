"""Starting, steering and stopping a 30-day accountability reset.

Depth beats breadth: a workspace runs one reset at a time, unless a council member starts
another with an explicit reason. A workflow never runs two at once. Both rules are also
partial unique indexes, so two requests racing each other cannot break them.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cadence import audit
from cadence.accountability import authority
from cadence.errors import Conflict, InvalidInput, NotAuthorized
from cadence.governance.review import clean_reason
from cadence.governance.schedule import local_time
from cadence.people import mention
from cadence.reminders.working_hours import workspace_timezone
from cadence.reset import checklist, finishing
from cadence.text import escape
from cadence.vocabulary import ResetStatus
from storage.clock import now
from storage.models import AccountabilityReset, Workflow, pk


def running(db: Session, *, team_id: str | None = None) -> list[AccountabilityReset]:
    """Every reset still running (of one workspace, or of all), oldest first."""
    query = select(AccountabilityReset).where(col(AccountabilityReset.ended_at).is_(None))
    if team_id is not None:
        query = query.where(AccountabilityReset.team_id == team_id)
    return list(db.exec(query.order_by(col(AccountabilityReset.id))).all())


def running_for(db: Session, *, workflow_id: int) -> AccountabilityReset | None:
    """The workflow's running reset, if any."""
    return db.exec(
        select(AccountabilityReset).where(
            AccountabilityReset.workflow_id == workflow_id,
            col(AccountabilityReset.ended_at).is_(None),
        )
    ).first()


def start_reset(
    db: Session, *, workflow: Workflow, actor_id: str, reason: str | None, default_zone: str
) -> AccountabilityReset:
    """Start a reset of `workflow` today (day 1) and post its checklist."""
    authority.require_reset_authority(db, workflow=workflow, user_id=actor_id)
    reason = clean_reason(reason)
    if (same := running_for(db, workflow_id=pk(workflow))) is not None:
        raise Conflict(
            f"*{escape(workflow.name)}* is already in a 30-day reset, started by "
            f"{mention(same.started_by)} on {same.start_day:%a %d %b}. `/cadence reset status` "
            "shows where it stands."
        )
    others = running(db, team_id=workflow.team_id)
    if others:
        _may_run_beside(db, workflow=workflow, actor_id=actor_id, reason=reason, others=others)
    zone = workspace_timezone(db, team_id=workflow.team_id, default=default_zone)
    reset = _insert(db, workflow, actor_id, reason if others else None, zone)
    audit.record(
        db,
        team_id=workflow.team_id,
        actor=actor_id,
        action="reset.started",
        workflow_id=workflow.id,
        reset_id=reset.id,
        start_day=reset.start_day.isoformat(),
        reason=reason,
        beside=[r.id for r in others],
    )
    checklist.queue_checklist(db, reset=reset, default_zone=default_zone)
    return reset


def _insert(
    db: Session, workflow: Workflow, actor_id: str, parallel_reason: str | None, zone: str
) -> AccountabilityReset:
    moment = now()
    row = AccountabilityReset(
        team_id=workflow.team_id,
        workflow_id=pk(workflow),
        started_by=actor_id,
        parallel_reason=parallel_reason,
        start_day=local_time(moment, zone).date(),
        timezone=zone,
        status=ResetStatus.RUNNING.value,
        created_at=moment,
    )
    db.add(row)
    try:
        db.flush()  # the partial unique indexes refuse a second reset racing this one
    except IntegrityError as error:
        raise Conflict(
            "Another 30-day reset was started at the same moment; `/cadence reset status` shows it."
        ) from error
    return row


def _may_run_beside(
    db: Session,
    *,
    workflow: Workflow,
    actor_id: str,
    reason: str | None,
    others: list[AccountabilityReset],
) -> None:
    """Another reset runs: only a council member, with a reason, starts one beside it."""
    names = ", ".join(f"*{escape(_name(db, r))}*" for r in others[:3])
    if not authority.is_council_member(db, team_id=workflow.team_id, user_id=actor_id):
        raise NotAuthorized(
            f"A 30-day reset is already running in this workspace ({names}); depth beats "
            "breadth, so only a member of the AI council can start another one, with a reason: "
            f"`/cadence reset {escape(workflow.name)} because REASON`."
        )
    if not reason:
        raise InvalidInput(
            f"A 30-day reset is already running ({names}). To run another beside it, say why: "
            f"`/cadence reset {escape(workflow.name)} because REASON`."
        )


def _name(db: Session, reset: AccountabilityReset) -> str:
    workflow = db.get(Workflow, reset.workflow_id)
    return workflow.name if workflow is not None else f"workflow {reset.workflow_id}"


def stop_reset(
    db: Session, *, reset: AccountabilityReset, actor_id: str, reason: str | None, default_zone: str
) -> bool:
    """Stop a reset early; a reason is required. False if it had already ended."""
    workflow = db.get(Workflow, reset.workflow_id)
    assert workflow is not None  # foreign key
    authority.require_reset_authority(db, workflow=workflow, user_id=actor_id)
    cleaned = clean_reason(reason)
    if not cleaned:
        raise InvalidInput(
            "Stopping a reset early takes a reason: "
            f"`/cadence reset stop {escape(workflow.name)}: REASON`."
        )
    return finishing.finish(
        db,
        reset=reset,
        status=ResetStatus.STOPPED,
        actor_id=actor_id,
        reason=cleaned,
        default_zone=default_zone,
    )


def stop_for_archived(db: Session, *, workflow: Workflow, actor_id: str, default_zone: str) -> bool:
    """End the archived workflow's running reset, if any, as stopped (a retired workflow gets
    no Monday DMs, no 30-day review, and no longer holds the workspace's one reset)."""
    reset = running_for(db, workflow_id=pk(workflow))
    if reset is None or workflow.archived_at is None:
        return False
    return finishing.finish(
        db,
        reset=reset,
        status=ResetStatus.STOPPED,
        actor_id=actor_id,
        reason=finishing.ARCHIVED_REASON,
        default_zone=default_zone,
    )


def set_next(
    db: Session,
    *,
    reset: AccountabilityReset,
    following: Workflow,
    actor_id: str,
    default_zone: str,
) -> None:
    """Name the next 30-day focus workflow (the outcome owner or the council)."""
    workflow = db.get(Workflow, reset.workflow_id)
    assert workflow is not None  # foreign key
    authority.require_reset_authority(db, workflow=workflow, user_id=actor_id)
    reset.next_workflow_id, reset.next_set_by, reset.next_set_at = pk(following), actor_id, now()
    db.add(reset)
    db.flush()
    audit.record(db, team_id=reset.team_id, actor=actor_id, action="reset.next_set",
                 workflow_id=workflow.id, reset_id=reset.id,
                 next_workflow_id=following.id)  # fmt: skip
    checklist.refresh_if_changed(db, reset=reset, default_zone=default_zone)


def note_map_posted(db: Session, *, workflow: Workflow, actor_id: str, channel_id: str) -> None:
    """Keep as the reset's evidence that the escalation map was published (only while the
    workflow is in a reset: posting a map otherwise changes nothing)."""
    reset = running_for(db, workflow_id=pk(workflow))
    if reset is None:
        return
    audit.record(db, team_id=workflow.team_id, actor=actor_id, action="map.posted",
                 workflow_id=workflow.id, reset_id=reset.id, channel_id=channel_id)  # fmt: skip
