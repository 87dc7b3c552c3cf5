"""Telling the owners, once each per workflow, why its canvas is missing and how to enable it.

Only storage is read here (not the accountability modules, which audit, and so refresh the
canvas): this module is used by the refresh that every audit event may trigger.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from cadence import outbox
from cadence.text import escape
from cadence.vocabulary import OwnerRole
from storage.clock import now
from storage.models import ChannelCanvas, CouncilMember, OwnerAssignment, Workflow

_PLAN = (
    "channel canvases need a Slack plan that has them, with canvases turned on: ask a "
    "workspace admin to enable canvases for the workspace"
)
_SCOPE = (
    "Cadence's Slack app needs the `canvases:write` scope (in its `manifest.yml`): a "
    "workspace admin adds it to the app's scopes and reinstalls the app"
)
_TAB = (
    "Slack could not add the canvas tab to {channel}: check that the channel can take "
    "another tab and that apps may add canvases to it"
)
# Slack's refusals that no retry will change, with what a person can do about each.
ENABLE_HOW: dict[str, str] = {
    "team_tier_cannot_create_channel_canvases": _PLAN,
    "free_team_canvas_tab_already_exists": _PLAN,
    "free_teams_cannot_edit_standalone_canvases": _PLAN,
    "canvas_disabled_user_team": _PLAN,
    "missing_scope": _SCOPE,
    "not_allowed_token_type": _SCOPE,
    "restricted_action": (
        "the workspace does not let apps create or edit canvases in {channel}: a workspace "
        "admin can allow it (canvas permissions in the workspace settings)"
    ),
    "canvas_tab_creation_failed": _TAB,
    "canvas_creation_failed": _TAB,
    "channel_canvas_creation_failed": _TAB,
    "channel_canvas_already_exists": (
        "{channel} already has a channel canvas, which Cadence will not overwrite: remove it "
        "(or move its content elsewhere) to let Cadence keep the map and log there"
    ),
}


def enable_text(workflow: Workflow, error: str) -> str:
    """The one DM that says why the canvas is missing and how to enable it."""
    channel = f"<#{workflow.channel_id}>"
    how = ENABLE_HOW.get(error, _TAB).format(channel=channel)
    return (
        f":memo: I could not keep a channel canvas for *{escape(workflow.name)}* in {channel} "
        f"(Slack said `{error}`). To enable it, {how}; then run "
        f"`/cadence canvas {escape(workflow.name)}`. Until then I post its escalation map and "
        "decision log in the channel as two messages and keep them current."
    )


def tell_owners_once(db: Session, *, canvas: ChannelCanvas, workflow: Workflow) -> None:
    """DM the outcome and workflow owners (or, with none yet, the council) how to enable the
    canvas: each person once per workflow, ever (the DM's key is unique per workflow and
    person), so an owner named after the refusal is told at the next change, and nobody twice.
    """
    people = _owners(db, workflow) or _council(db, workflow.team_id)
    if not people:
        return
    if canvas.owners_told_at is None:
        canvas.owners_told_at = now()
        db.add(canvas)
    text = enable_text(workflow, canvas.refused_error or "")
    for user in people:
        outbox.post_message(
            db,
            key=f"canvas:{canvas.workflow_id}:enable:{user}",
            channel=user,
            text=text,
            team_id=canvas.team_id,
        )


def _owners(db: Session, workflow: Workflow) -> list[str]:
    query = (
        select(OwnerAssignment.user_id)
        .where(OwnerAssignment.workflow_id == workflow.id)
        .where(col(OwnerAssignment.role).in_([OwnerRole.OUTCOME, OwnerRole.WORKFLOW]))
        .where(col(OwnerAssignment.ended_at).is_(None))
        .order_by(col(OwnerAssignment.role))
    )
    return list(dict.fromkeys(db.exec(query).all()))


def _council(db: Session, team_id: str) -> list[str]:
    query = select(CouncilMember.user_id).where(
        CouncilMember.team_id == team_id, col(CouncilMember.removed_at).is_(None)
    )
    return list(db.exec(query.order_by(col(CouncilMember.id))).all())
