"""Workflows: register, find (case-insensitively), rename, archive."""

from __future__ import annotations

import difflib

from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.accountability import authority
from cadence.errors import Conflict, InvalidInput, UnknownWorkflow
from cadence.people import Person
from cadence.text import escape, has_markup
from cadence.vocabulary import RiskTier
from storage.clock import now
from storage.models import Workflow

NAME_MAX = 80
OUTCOME_MAX = 300


def name_key(name: str) -> str:
    """The form names are compared in: case-folded, single-spaced."""
    return " ".join(name.split()).casefold()


def clean_name(name: str) -> str:
    """A tidy workflow name, or InvalidInput saying what is wrong with it."""
    name = " ".join(name.strip().strip("\"'“”").split())
    if not name:
        raise InvalidInput("Please give the workflow a name, e.g. `Support resolution`.")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"That name is {len(name)} characters; please keep it to {NAME_MAX}.")
    if has_markup(name):
        raise InvalidInput("A workflow name can't contain mentions, links, < or >.")
    return name


def list_workflows(db: Session, *, team_id: str) -> list[Workflow]:
    """Active workflows in name order."""
    query = select(Workflow).where(Workflow.team_id == team_id, col(Workflow.archived_at).is_(None))
    return list(db.exec(query.order_by(col(Workflow.name_key))).all())


def find_workflow(db: Session, *, team_id: str, name: str) -> Workflow:
    """The active workflow called `name` (any case), or UnknownWorkflow with close names."""
    key = name_key(name.strip().strip("\"'“”"))
    if not key:
        raise InvalidInput("Which workflow? Add its name, e.g. `Support resolution`.")
    workflows = list_workflows(db, team_id=team_id)
    for workflow in workflows:
        if workflow.name_key == key:
            return workflow
    by_key = {w.name_key: w.name for w in workflows}
    close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.5)
    close += [w.name_key for w in workflows if key in w.name_key and w.name_key not in close]
    raise UnknownWorkflow(name.strip(), [by_key[k] for k in close[:3]])


def live_workflow(db: Session, *, workflow_id: int, team_id: str) -> Workflow | None:
    """The workflow a form or button names, if it is still this workspace's and not archived."""
    workflow = db.get(Workflow, workflow_id)
    if workflow is None or workflow.team_id != team_id or workflow.archived_at is not None:
        return None
    return workflow


def _require_free(db: Session, *, team_id: str, name: str) -> None:
    key = name_key(name)
    if any(w.name_key == key for w in list_workflows(db, team_id=team_id)):
        raise Conflict(f"There is already a workflow called *{escape(name)}*. Pick another name.")


def add_workflow(
    db: Session,
    *,
    team_id: str,
    name: str,
    channel_id: str,
    actor: Person,
    business_outcome: str | None = None,
    risk_tier: RiskTier = RiskTier.MEDIUM,
) -> Workflow:
    """Register a workflow with its governance channel."""
    authority.require_map_authority(db, team_id=team_id, actor=actor)
    name = clean_name(name)
    _require_free(db, team_id=team_id, name=name)
    if business_outcome is not None and len(business_outcome) > OUTCOME_MAX:
        raise InvalidInput(f"Please keep the business outcome to {OUTCOME_MAX} characters.")
    workflow = Workflow(
        team_id=team_id,
        name=name,
        name_key=name_key(name),
        channel_id=channel_id,
        business_outcome=business_outcome or None,
        risk_tier=risk_tier,
        created_by=actor.id,
    )
    db.add(workflow)
    db.flush()
    audit.record(db, team_id=team_id, actor=actor.id, action="workflow.added",
                 workflow_id=workflow.id, name=name, channel_id=channel_id,
                 risk_tier=str(risk_tier), business_outcome=business_outcome)  # fmt: skip
    outbox.post_message(
        db,
        key=f"workflow-added:{workflow.id}:notice",
        team_id=team_id,
        channel=channel_id,
        text=(
            f"{actor.mention} registered the AI workflow *{escape(name)}* with Cadence; this "
            "channel is its governance channel. Next: name its owners with "
            f"`/owner outcome @person {escape(name)}` and `/owner workflow @person {escape(name)}`."
        ),
    )
    return workflow


def rename_workflow(
    db: Session, *, team_id: str, name: str, new_name: str, actor: Person
) -> Workflow:
    """Give a workflow a new name (its history stays with it)."""
    workflow = find_workflow(db, team_id=team_id, name=name)
    authority.require_map_authority(db, team_id=team_id, actor=actor, workflow=workflow)
    new_name = clean_name(new_name)
    if name_key(new_name) != workflow.name_key:
        _require_free(db, team_id=team_id, name=new_name)
    old = workflow.name
    workflow.name, workflow.name_key = new_name, name_key(new_name)
    db.add(workflow)
    db.flush()
    event = audit.record(db, team_id=team_id, actor=actor.id, action="workflow.renamed",
                         workflow_id=workflow.id, old_name=old, new_name=new_name)  # fmt: skip
    outbox.post_message(
        db,
        key=f"workflow-renamed:{event.id}:notice",
        team_id=team_id,
        channel=workflow.channel_id,
        text=f"{actor.mention} renamed the workflow *{escape(old)}* to *{escape(new_name)}*.",
    )
    return workflow


def archive_workflow(db: Session, *, team_id: str, name: str, actor: Person) -> Workflow:
    """Retire a workflow; owners, rights and audit stay as history."""
    workflow = find_workflow(db, team_id=team_id, name=name)
    authority.require_map_authority(db, team_id=team_id, actor=actor, workflow=workflow)
    workflow.archived_at = now()
    workflow.archived_by = actor.id
    db.add(workflow)
    db.flush()
    audit.record(db, team_id=team_id, actor=actor.id, action="workflow.archived",
                 workflow_id=workflow.id, name=workflow.name)  # fmt: skip
    outbox.post_message(
        db,
        key=f"workflow-archived:{workflow.id}:notice",
        team_id=team_id,
        channel=workflow.channel_id,
        text=f"{actor.mention} archived the workflow *{escape(workflow.name)}*. History is kept.",
    )
    return workflow
