"""Keeping a workflow's channel canvas current: one create per round, then one queued refresh
per burst of changes, rendered from the database when it is sent.

The one hook is `on_audited`, called by `cadence.audit.record` for every audit event: every
change the canvas shows (owners, rights, council, triggers, guardrails, decisions, follow-ups)
is audited, so none can be missed by a call site that forgot to ask for a refresh.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from cadence import outbox
from cadence.canvas import enable
from cadence.outbox import RendererName
from cadence.vocabulary import OutboxStatus
from storage.clock import now
from storage.db import insert_if_absent
from storage.models import ChannelCanvas, KpiNode, OutboxMessage, Workflow, pk

# A refresh waits this long after the change that queued it, so a burst of changes (ten
# owners assigned, a decision with its follow-ups) becomes one edit.
COALESCE = timedelta(seconds=5)
CREATING, LIVE, REFUSED = "creating", "live", "refused"
CREATE_METHOD = "conversations.canvases.create"
EDIT_METHOD = "canvases.edit"
KEY_PREFIX = "canvas:"
MAP, LOG = "map", "log"

# Audit actions that change what a workflow's canvas shows.
WORKFLOW_ACTIONS = frozenset(
    {
        "workflow.added", "workflow.renamed", "workflow.archived", "owner.assigned",
        "rights.updated", "risk.trigger_set", "risk.trigger_removed", "risk.breach_started",
        "risk.breach_ended", "risk.tier_change_requested", "risk.tier_change_approved",
        "risk.tier_change_rejected", "governance.decided", "governance.skipped",
        "action.completed", "kpi.tree_saved", "kpi.reported", "rights.confirmed",
    }
)  # fmt: skip
RENAMED = "workflow.renamed"
# Audit actions that change every canvas of the workspace (the council is on each map).
TEAM_ACTIONS = frozenset({"council.member_added", "council.member_removed"})


def on_audited(db: Session, *, team_id: str, action: str, workflow_id: int | None) -> None:
    """Refresh the canvases an audited change affects (called by `cadence.audit.record`)."""
    if action in TEAM_ACTIONS:
        query = select(Workflow).where(
            Workflow.team_id == team_id, col(Workflow.archived_at).is_(None)
        )
        for workflow in db.exec(query.order_by(col(Workflow.id))).all():
            request_refresh(db, workflow=workflow)
    elif action in WORKFLOW_ACTIONS and workflow_id is not None:
        workflow = db.get(Workflow, workflow_id)
        if workflow is not None:
            request_refresh(db, workflow=workflow)
            if action == RENAMED:
                request_rename(db, workflow=workflow)


def on_new_week(db: Session, *, workflow: Workflow) -> None:
    """A new week's thread moved the scorecard week: a canvas showing a KPI tree shows that
    week's values (a canvas not made yet shows them when it is; one without a tree has
    nothing of the week, so Slack is not asked to edit it)."""
    made = db.exec(select(ChannelCanvas.id).where(ChannelCanvas.workflow_id == pk(workflow)))
    tree = db.exec(
        select(KpiNode.id).where(
            KpiNode.workflow_id == pk(workflow), col(KpiNode.removed_at).is_(None)
        )
    )
    if made.first() is not None and tree.first() is not None:
        request_refresh(db, workflow=workflow)


def create_key(canvas: ChannelCanvas) -> str:
    """The one create call of this round."""
    return f"{KEY_PREFIX}{canvas.workflow_id}:create:{canvas.round}"


def fallback_key(canvas: ChannelCanvas, part: str) -> str:
    """The message that stands in for the canvas's map or log while it is refused (one for
    the workflow, whatever the round: a second refusal updates it rather than post another)."""
    return f"{KEY_PREFIX}{canvas.workflow_id}:fallback:{part}"


def request_refresh(db: Session, *, workflow: Workflow) -> None:
    """Ask for the workflow's canvas (or its stand-in messages) to show the database as it is.

    Coalesced: while a refresh is queued and not yet rendered, further changes add nothing;
    it reads the database when it is sent. The canvas row is locked first (as a vote locks
    its session), so a refresh rendering now either waits for this change or is seen here.
    """
    canvas = lock_canvas(db, workflow=workflow)
    if canvas.status == CREATING:
        create = existing(db, create_key(canvas))
        if create is None:
            queue_create(db, canvas)
            return
        if create.status == OutboxStatus.PENDING and not _leased(create):
            return  # not rendered yet: it will show this change
    if canvas.status == REFUSED:
        enable.tell_owners_once(db, canvas=canvas, workflow=workflow)
    if not _raise_flag(db, pk(canvas)):
        return
    if canvas.status == REFUSED:
        for part, renderer in ((MAP, RendererName.CANVAS_FALLBACK_MAP),
                               (LOG, RendererName.CANVAS_FALLBACK_LOG)):  # fmt: skip
            outbox.render_message(
                db,
                key=f"{KEY_PREFIX}{canvas.workflow_id}:update:{uuid.uuid4().hex}:{part}",
                method="chat.update",
                renderer=renderer,
                args={"workflow_id": canvas.workflow_id},
                of=fallback_key(canvas, part),
                team_id=canvas.team_id,
                delay=COALESCE,
            )
        return
    _queue_edit(db, canvas, kind="edit", renderer=RendererName.CANVAS_EDIT)


def request_rename(db: Session, *, workflow: Workflow) -> None:
    """Give a canvas already made the workflow's new name as its title.

    Slack applies one operation per `canvases.edit` call, so the title goes in a `rename`
    edit of its own, beside the refresh; it reads the name when it is sent. A create not yet
    rendered takes the new name itself; the stand-in messages of a refused canvas have none.
    """
    canvas = lock_canvas(db, workflow=workflow)
    if canvas.status == REFUSED:
        return
    if canvas.status == CREATING:
        create = existing(db, create_key(canvas))
        if create is None or (create.status == OutboxStatus.PENDING and not _leased(create)):
            return
    _queue_edit(db, canvas, kind="rename", renderer=RendererName.CANVAS_RENAME)


def _queue_edit(db: Session, canvas: ChannelCanvas, *, kind: str, renderer: RendererName) -> None:
    """Queue one `canvases.edit` call (a new key each time), sent after the round's create
    and coalesced with the changes that follow it."""
    outbox.render_message(
        db,
        key=f"{KEY_PREFIX}{canvas.workflow_id}:{kind}:{uuid.uuid4().hex}",
        method=EDIT_METHOD,
        renderer=renderer,
        args={"workflow_id": canvas.workflow_id},
        after=create_key(canvas),
        team_id=canvas.team_id,
        delay=COALESCE,
    )


def queue_create(db: Session, canvas: ChannelCanvas) -> None:
    """Queue this round's create call (once: the key is the round's)."""
    outbox.render_message(
        db,
        key=create_key(canvas),
        method=CREATE_METHOD,
        renderer=RendererName.CANVAS_CREATE,
        args={"workflow_id": canvas.workflow_id},
        team_id=canvas.team_id,
    )


def lock_canvas(db: Session, *, workflow: Workflow) -> ChannelCanvas:
    """The workflow's canvas row (made on first use), locked for the rest of the transaction."""
    moment = now()
    insert_if_absent(
        db,
        ChannelCanvas,
        key=["workflow_id"],
        team_id=workflow.team_id,
        workflow_id=pk(workflow),
        channel_id=workflow.channel_id,
        status=CREATING,
        round=0,
        refresh_queued=False,
        created_at=moment,
    )
    db.exec(  # type: ignore[call-overload]
        update(ChannelCanvas)
        .where(col(ChannelCanvas.workflow_id) == pk(workflow))
        .values(updated_at=moment)
        .execution_options(synchronize_session=False)
    )
    canvas = db.exec(select(ChannelCanvas).where(ChannelCanvas.workflow_id == pk(workflow))).one()
    db.refresh(canvas)
    return canvas


def take_refresh(db: Session, *, workflow_id: int) -> ChannelCanvas | None:
    """Called as a refresh (or the create) renders: lower the flag first, then read.

    Lowering the flag is the render's first write: it waits for a change still being made
    (which holds the row, see lock_canvas) and then reads it; a later change sees the flag
    lowered and queues a new refresh.
    """
    db.exec(  # type: ignore[call-overload]
        update(ChannelCanvas)
        .where(col(ChannelCanvas.workflow_id) == workflow_id)
        .values(refresh_queued=False)
        .execution_options(synchronize_session=False)
    )
    canvas = db.exec(select(ChannelCanvas).where(ChannelCanvas.workflow_id == workflow_id)).first()
    if canvas is not None:
        db.refresh(canvas)
    return canvas


def _raise_flag(db: Session, canvas_id: int) -> bool:
    result = db.exec(  # type: ignore[call-overload]
        update(ChannelCanvas)
        .where(col(ChannelCanvas.id) == canvas_id, col(ChannelCanvas.refresh_queued).is_(False))
        .values(refresh_queued=True)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


def existing(db: Session, key: str) -> OutboxMessage | None:
    """The outbox row under `key`, as the database holds it now."""
    query = select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    return db.exec(query.execution_options(populate_existing=True)).first()


def _leased(message: OutboxMessage) -> bool:
    return message.locked_until is not None and message.locked_until > now()
