"""What the reset job does for each running reset, in the caller's transaction: the outcome
owner's Monday DM, the 30-day review on day 28, the end and its summary on day 30, and the
checklist's update when what it shows changed. Everything it creates is unique in the data
(a reminder row per Monday, the review's request key, the end's conditional update), so two
processes running it at once do each thing once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from cadence import audit, outbox
from cadence.accountability import queries
from cadence.governance import review
from cadence.reset import checklist, finishing
from cadence.reset.calendar import REVIEW_DAY
from cadence.reset.context import calendar_of
from cadence.vocabulary import ResetStatus, SessionKind
from storage.clock import now
from storage.db import insert_if_absent
from storage.models import AccountabilityReset, Reminder, Workflow, pk

SYSTEM_ACTOR = finishing.SYSTEM_ACTOR
REVIEW_TITLE = "30-day review"
MONDAY_KIND = "reset_week"


def run_duties(db: Session, *, reset_id: int, default_zone: str) -> list[str]:
    """Do whatever is due for one reset now; what was done, in words (for the job's log)."""
    reset = db.get(AccountabilityReset, reset_id)
    if reset is None or reset.ended_at is not None:
        return []
    moment = now()
    calendar = calendar_of(reset)
    workflow = db.get(Workflow, reset.workflow_id)
    if workflow is not None and workflow.archived_at is not None:  # archived in the meantime
        finishing.finish(db, reset=reset, status=ResetStatus.STOPPED, actor_id=SYSTEM_ACTOR,
                         reason=finishing.ARCHIVED_REASON, default_zone=default_zone)  # fmt: skip
        return [f"reset {reset_id} stopped (workflow archived)"]
    if moment >= calendar.ends_at:
        finishing.finish(db, reset=reset, status=ResetStatus.FINISHED, actor_id=SYSTEM_ACTOR,
                         default_zone=default_zone)  # fmt: skip
        return [f"reset {reset_id} finished"]
    done: list[str] = []
    if moment >= calendar.review_at and reset.review_session_id is None:
        open_review(db, reset=reset, default_zone=default_zone)
        done.append(f"reset {reset_id} review opened")
    monday = calendar.monday_due(moment)
    if monday is not None and send_monday(db, reset=reset, monday=monday):
        done.append(f"reset {reset_id} Monday DM")
    if checklist.refresh_if_changed(db, reset=reset, default_zone=default_zone):
        done.append(f"reset {reset_id} checklist updated")
    return done


def open_review(db: Session, *, reset: AccountabilityReset, default_zone: str) -> None:
    """Open the 30-day review session (once per reset: its request key is the reset's)."""
    workflow = db.get(Workflow, reset.workflow_id)
    assert workflow is not None  # foreign key
    calendar = calendar_of(reset)
    day = calendar.day(REVIEW_DAY)
    opened = review.open_extra_session(
        db,
        workflow=workflow,
        kind=SessionKind.RESET_REVIEW,
        opened_by=SYSTEM_ACTOR,
        reason=(
            f"Day {REVIEW_DAY} of the 30-day reset started {reset.start_day:%a %d %b}: review "
            "the four weeks' trends, then decide to scale (Continue), stabilize or stop."
        ),
        request_key=f"reset:{pk(reset)}:review",
        default_zone=default_zone,
        title=REVIEW_TITLE,
        week_start=day - timedelta(days=day.weekday()),
    )
    reset.review_session_id = opened.session.id
    db.add(reset)
    db.flush()


def send_monday(db: Session, *, reset: AccountabilityReset, monday: date) -> bool:
    """DM the outcome owner (the reset's starter when there is none) what is due this week,
    once per Monday: the reminder row is unique per reset, Monday and person."""
    owner = queries.current_owners(db, workflow_id=reset.workflow_id).outcome or reset.started_by
    subject = f"reset:{pk(reset)}:week:{monday}"
    key = f"{subject}:dm:{owner}"
    inserted = insert_if_absent(
        db,
        Reminder,
        key=["subject", "recipient", "sequence"],
        team_id=reset.team_id,
        kind=MONDAY_KIND,
        subject=subject,
        recipient=owner,
        sequence=1,
        outbox_key=key,
        created_at=now(),
    )
    if not inserted:
        return False
    outbox.render_message(
        db,
        key=key,
        method="chat.postMessage",
        renderer=outbox.RendererName.RESET_MONDAY,
        args={"reset_id": pk(reset), "user": owner, "monday": str(monday)},
        team_id=reset.team_id,
    )
    audit.record(db, team_id=reset.team_id, actor=SYSTEM_ACTOR, action="reset.weekly_dm",
                 workflow_id=reset.workflow_id, reset_id=reset.id, user_id=owner,
                 monday=str(monday))  # fmt: skip
    return True
