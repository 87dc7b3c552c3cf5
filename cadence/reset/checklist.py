"""The reset's checklist: every item judged from the data, and its message in the governance
channel, posted once and kept current by coalesced updates of that same message."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from cadence import outbox
from cadence.reset import checks_governance as later
from cadence.reset import checks_setup as setup
from cadence.reset.context import ResetContext, calendar_of
from cadence.reset.items import ITEMS, Evidence, ItemKey, ItemResult, judge
from cadence.vocabulary import OutboxStatus
from storage.clock import now
from storage.models import AccountabilityReset, OutboxMessage, Workflow, pk

CHECKS: dict[ItemKey, Callable[[ResetContext], Evidence]] = {
    ItemKey.WORKFLOW_CHOSEN: setup.workflow_chosen,
    ItemKey.OWNERS_ASSIGNED: setup.owners_assigned,
    ItemKey.MAP_PUBLISHED: setup.map_published,
    ItemKey.SCORECARD_BASELINED: setup.scorecard_baselined,
    ItemKey.TRIGGERS_DEFINED: setup.triggers_defined,
    ItemKey.RIGHTS_CONFIRMED: setup.rights_confirmed,
    ItemKey.SESSIONS_DECIDED: later.sessions_decided,
    ItemKey.FOLLOW_THROUGH: later.follow_through,
    ItemKey.GAPS_CLOSED: later.gaps_closed,
    ItemKey.TREND_REVIEWED: later.trend_reviewed,
    ItemKey.FINAL_DECISION: later.final_decision,
    ItemKey.NEXT_FOCUS: later.next_focus,
}


def evaluate(
    db: Session, *, reset: AccountabilityReset, moment: datetime | None = None
) -> list[ItemResult]:
    """Every item as it stands: the stored outcome once the reset has ended, else checked now."""
    if reset.ended_at is not None and reset.outcome:
        return [ItemResult.model_validate(item) for item in reset.outcome]
    workflow = db.get(Workflow, reset.workflow_id)
    assert workflow is not None  # foreign key
    at = moment or now()
    ctx = ResetContext.load(db, reset, workflow, at)
    return [
        judge(
            spec,
            CHECKS[spec.key](ctx),
            deadline=ctx.calendar.deadline(spec.week),
            moment=at,
            ended=reset.ended_at is not None,
        )
        for spec in ITEMS
    ]


def fingerprint(results: list[ItemResult], *, day: int) -> str:
    """What the checklist message shows, as a short hash: a change means an update is due."""
    shown = [r.model_dump(mode="json") for r in results]
    text = json.dumps({"day": day, "items": shown}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def checklist_key(reset_id: int) -> str:
    """Outbox key of the checklist message."""
    return f"reset:{reset_id}:checklist"


def refresh_key_prefix(reset_id: int) -> str:
    """Outbox keys of the checklist's coalesced updates start with this."""
    return f"reset:{reset_id}:refresh:"


def queue_checklist(db: Session, *, reset: AccountabilityReset, default_zone: str) -> None:
    """Queue the checklist's first post in the workflow's governance channel."""
    rid = pk(reset)
    outbox.render_message(
        db,
        key=checklist_key(rid),
        method="chat.postMessage",
        renderer=outbox.RendererName.RESET_CHECKLIST,
        args={"reset_id": rid, "tz": default_zone},
        team_id=reset.team_id,
    )
    mark_shown(db, reset=reset)


def mark_shown(db: Session, *, reset: AccountabilityReset) -> str:
    """Store the fingerprint of what the checklist shows now."""
    results = evaluate(db, reset=reset)
    day = _day(reset)
    reset.checklist_state = fingerprint(results, day=day)
    db.add(reset)
    db.flush()
    return reset.checklist_state


def refresh_if_changed(db: Session, *, reset: AccountabilityReset, default_zone: str) -> bool:
    """Queue an update of the checklist message when what it shows has changed (coalesced:
    one update waits at a time, drawn from the database when it is sent). True if queued."""
    rid = pk(reset)
    before = reset.checklist_state
    after = fingerprint(evaluate(db, reset=reset), day=_day(reset))
    if after == before:
        return False
    # Only the process that moves the fingerprint on queues the update (two replicas at once),
    # and only if no update is waiting already (that one is drawn from the database when sent).
    moved = db.exec(  # type: ignore[call-overload]
        update(AccountabilityReset)
        .where(
            col(AccountabilityReset.id) == rid, col(AccountabilityReset.checklist_state) == before
        )
        .values(checklist_state=after)
    )
    raised = (
        moved.rowcount == 1
        and db.exec(  # type: ignore[call-overload]
            update(AccountabilityReset)
            .where(
                col(AccountabilityReset.id) == rid,
                col(AccountabilityReset.refresh_queued).is_(False),
            )
            .values(refresh_queued=True)
        ).rowcount
        == 1
    )
    db.refresh(reset)
    if not raised:
        return False
    key = f"{refresh_key_prefix(rid)}{uuid.uuid4().hex}"
    outbox.render_message(
        db,
        key=key,
        method="chat.update",
        renderer=outbox.RendererName.RESET_REFRESH,
        args={"reset_id": rid, "tz": default_zone, "key": key},
        of=checklist_key(rid),
        team_id=reset.team_id,
    )
    return True


def take_refresh(db: Session, *, reset_id: int, key: str) -> bool:
    """As an update is about to be sent: lower the flag first (a later change queues a new
    update), then say whether to send this one (not if an older one still waits: it will read
    the database when it goes)."""
    db.exec(  # type: ignore[call-overload]
        update(AccountabilityReset)
        .where(col(AccountabilityReset.id) == reset_id)
        .values(refresh_queued=False)
    )
    mine = db.exec(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first()
    older = db.exec(
        select(func.count())
        .where(col(OutboxMessage.idempotency_key).startswith(refresh_key_prefix(reset_id)))
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .where(col(OutboxMessage.id) < (mine or 0))
        .where(
            or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now())
        )
    ).one()
    return int(older) == 0


def _day(reset: AccountabilityReset) -> int:
    moment = reset.ended_at or now()
    return calendar_of(reset).day_number(moment)
