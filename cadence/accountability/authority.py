"""Who may do what. Every authority rule of Cadence lives here."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cadence.accountability.queries import current_owners, resolve_party, rights_map
from cadence.errors import NotAuthorized
from cadence.people import API_ACTOR_PREFIX, Person, is_api_actor, mention
from cadence.text import escape
from cadence.vocabulary import CouncilMatter, DecisionPoint, Duty, OwnerRole
from storage.models import ApiToken, CouncilMember, Escalation, OwnerAssignment, Workflow, pk

# Matters beyond any owner's authority: the council decides, whatever the map says.
COUNCIL_MATTERS: dict[CouncilMatter, DecisionPoint] = {
    CouncilMatter.SEV1_INCIDENT: DecisionPoint.INCIDENT_RESPONSE,
    CouncilMatter.BUDGET_OVERRUN: DecisionPoint.BUDGET,
    CouncilMatter.COMPLIANCE_EXCEPTION: DecisionPoint.COMPLIANCE,
    CouncilMatter.MAJOR_PIVOT: DecisionPoint.GOVERNANCE,
    CouncilMatter.RISK_TIER_CHANGE: DecisionPoint.ROLLOUT_GATE,
    CouncilMatter.EXTERNAL_COMMITMENT: DecisionPoint.POLICY_EXCEPTION,
}


def council_matters_for(point: DecisionPoint) -> list[CouncilMatter]:
    """The council-only matters that arise at a decision point."""
    return [matter for matter, at in COUNCIL_MATTERS.items() if at == point]


def _council_ids(db: Session, team_id: str) -> list[str]:
    query = select(CouncilMember.user_id).where(
        CouncilMember.team_id == team_id, col(CouncilMember.removed_at).is_(None)
    )
    return list(db.exec(query).all())


def _outcome_owner(db: Session, workflow_id: int) -> str | None:
    query = select(OwnerAssignment.user_id).where(
        OwnerAssignment.workflow_id == workflow_id,
        OwnerAssignment.role == OwnerRole.OUTCOME,
        col(OwnerAssignment.ended_at).is_(None),
    )
    return db.exec(query).first()


def is_council_member(db: Session, *, team_id: str, user_id: str) -> bool:
    """Whether the user currently sits on the AI council."""
    return user_id in _council_ids(db, team_id)


def require_map_authority(
    db: Session, *, team_id: str, actor: Person, workflow: Workflow | None = None
) -> None:
    """Refuse politely, naming who can, unless `actor` may change this part of the map."""
    if actor.is_workspace_admin or is_council_member(db, team_id=team_id, user_id=actor.id):
        return
    owner = _outcome_owner(db, pk(workflow)) if workflow is not None else None
    if owner == actor.id:
        return
    who = [_council_phrase(db, team_id), "a workspace admin"]
    if workflow is not None:
        who.append(
            f"the outcome owner of *{workflow.name}* ({mention(owner)})"
            if owner
            else f"the outcome owner of *{workflow.name}* (none yet)"
        )
    raise NotAuthorized(
        "Sorry, you can't change that. It can be done by " + ", ".join(who[:-1]) + f" or {who[-1]}."
    )


def require_council_authority(db: Session, *, team_id: str, actor: Person) -> None:
    """Only council members and workspace admins manage the council (admins bootstrap it)."""
    if actor.is_workspace_admin or is_council_member(db, team_id=team_id, user_id=actor.id):
        return
    raise NotAuthorized(
        "Sorry, only " + _council_phrase(db, team_id) + " or a workspace admin can change the "
        "AI council."
    )


def _council_phrase(db: Session, team_id: str) -> str:
    members = _council_ids(db, team_id)
    if not members:
        return "the AI council (no members yet)"
    shown = ", ".join(mention(m) for m in members[:5])
    more = f" and {len(members) - 5} more" if len(members) > 5 else ""
    return f"a member of the AI council ({shown}{more})"


def require_settings_authority(db: Session, *, team_id: str, actor: Person) -> None:
    """Only council members change the workspace settings (workspace admins may bootstrap)."""
    if actor.is_workspace_admin or is_council_member(db, team_id=team_id, user_id=actor.id):
        return
    raise NotAuthorized(
        "Sorry, only " + _council_phrase(db, team_id) + " or a workspace admin can change "
        "Cadence's settings."
    )


def governance_approvers(db: Session, *, workflow: Workflow) -> list[str]:
    """Who approves the weekly governance decision, per the rights map (outcome owner by
    default); council members may always record it as well."""
    current = current_owners(db, workflow_id=pk(workflow))
    parties = rights_map(db, workflow_id=pk(workflow))[DecisionPoint.GOVERNANCE]
    council = _council_ids(db, workflow.team_id)
    people: list[str] = []
    for party in parties[Duty.APPROVES]:
        people += resolve_party(party, current, council)
    return list(dict.fromkeys(people))


def require_decision_authority(db: Session, *, workflow: Workflow, user_id: str) -> None:
    """Refuse, naming who can, unless the user approves governance decisions or sits on the
    council."""
    approvers = governance_approvers(db, workflow=workflow)
    if user_id in approvers or is_council_member(db, team_id=workflow.team_id, user_id=user_id):
        return
    who = ", ".join(mention(u) for u in approvers[:5]) or "nobody yet (see `/cadence rights`)"
    raise NotAuthorized(
        f"Sorry, only the approver of the weekly governance decision of *{escape(workflow.name)}* "
        f"({who}) or {_council_phrase(db, workflow.team_id)} can record it."
    )


def require_scorecard_authority(db: Session, *, workflow: Workflow, user_id: str) -> None:
    """Only the workflow owner, the outcome owner or a council member report the scorecard."""
    current = current_owners(db, workflow_id=pk(workflow))
    if user_id in (current.workflow, current.outcome) or is_council_member(
        db, team_id=workflow.team_id, user_id=user_id
    ):
        return
    # A live API token of the workspace reports for the council, which created it.
    if is_api_actor(user_id) and is_live_api_actor(db, team_id=workflow.team_id, actor=user_id):
        return
    named = [
        f"the workflow owner ({mention(current.workflow) if current.workflow else 'none yet'})",
        f"the outcome owner ({mention(current.outcome) if current.outcome else 'none yet'})",
    ]
    raise NotAuthorized(
        f"Sorry, the scorecard of *{escape(workflow.name)}* is reported by {named[0]}, {named[1]} "
        f"or {_council_phrase(db, workflow.team_id)}."
    )


def is_live_api_actor(db: Session, *, team_id: str, actor: str) -> bool:
    """Whether `actor` ('api:NAME') is a token of this workspace that is not revoked."""
    query = select(ApiToken.id).where(
        ApiToken.team_id == team_id,
        ApiToken.name == actor.removeprefix(API_ACTOR_PREFIX),
        col(ApiToken.revoked_at).is_(None),
    )
    return db.exec(query).first() is not None


def require_api_token_authority(db: Session, *, team_id: str, user_id: str) -> None:
    """Only council members create and revoke the workspace's integration API tokens."""
    if is_council_member(db, team_id=team_id, user_id=user_id):
        return
    raise NotAuthorized(
        "Sorry, integration API tokens are managed by " + _council_phrase(db, team_id) + "."
    )


def may_act_on_escalation(db: Session, *, escalation: Escalation, actor_id: str) -> bool:
    """Only the escalation's current owner or a council member may acknowledge, resolve or
    hand it off; a hand-off by them is an explicit transfer of authority."""
    return actor_id == escalation.routed_to or is_council_member(
        db, team_id=escalation.team_id, user_id=actor_id
    )


def escalation_refusal(db: Session, *, escalation: Escalation, verb: str) -> str:
    """The polite refusal for someone else, naming who can act on the escalation."""
    who = [f"its owner {mention(escalation.routed_to)}"] if escalation.routed_to else []
    who.append(_council_phrase(db, escalation.team_id))
    return (
        f"Sorry, you can't {verb} escalation #{escalation.id}. Only "
        + " or ".join(who)
        + " can. I noted the attempt; nothing changed."
    )


def require_review_authority(db: Session, *, workflow: Workflow, user_id: str) -> None:
    """Only the workflow's owners (outcome, workflow, stage) and the council open a governance
    session on demand."""
    current = current_owners(db, workflow_id=pk(workflow))
    if user_id in current.user_ids() or is_council_member(
        db, team_id=workflow.team_id, user_id=user_id
    ):
        return
    named = ", ".join(mention(u) for u in sorted(current.user_ids())) or "none yet"
    raise NotAuthorized(
        f"Sorry, a governance session on *{escape(workflow.name)}* can be opened by its owners "
        f"({named}) or {_council_phrase(db, workflow.team_id)}."
    )


def _require_outcome_owner_or_council(
    db: Session, *, workflow: Workflow, user_id: str, refused: str
) -> None:
    """Let the workflow's outcome owner and the council through; refuse anyone else with
    "Sorry, {refused} by its outcome owner (…) or a member of the AI council (…)."."""
    owner = _outcome_owner(db, pk(workflow))
    if user_id == owner or is_council_member(db, team_id=workflow.team_id, user_id=user_id):
        return
    raise NotAuthorized(
        f"Sorry, {refused} by its outcome owner ({mention(owner) if owner else 'none yet'}) or "
        f"{_council_phrase(db, workflow.team_id)}."
    )


def require_trigger_authority(db: Session, *, workflow: Workflow, user_id: str) -> None:
    """Only the outcome owner and the council set a workflow's risk-review triggers."""
    _require_outcome_owner_or_council(
        db,
        workflow=workflow,
        user_id=user_id,
        refused=f"the risk-review triggers of *{escape(workflow.name)}* are set",
    )


def require_skip_authority(db: Session, *, workflow: Workflow, user_id: str) -> None:
    """Only the outcome owner skips a low-risk workflow's weekly thread."""
    owner = _outcome_owner(db, pk(workflow))
    if user_id == owner:
        return
    raise NotAuthorized(
        f"Sorry, only the outcome owner of *{escape(workflow.name)}* "
        f"({mention(owner) if owner else 'none yet'}) can skip its weekly thread."
    )


def require_reset_authority(db: Session, *, workflow: Workflow, user_id: str) -> None:
    """Only the workflow's outcome owner and the council start, stop or steer its 30-day
    accountability reset."""
    _require_outcome_owner_or_council(
        db,
        workflow=workflow,
        user_id=user_id,
        refused=f"a 30-day reset of *{escape(workflow.name)}* is started, stopped and steered",
    )


def require_kpi_authority(db: Session, *, workflow: Workflow, user_id: str) -> None:
    """Only the outcome owner edits a workflow's KPI tree: it states the business result they
    are accountable for."""
    owner = _outcome_owner(db, pk(workflow))
    if user_id == owner:
        return
    who = mention(owner) if owner else "none yet: assign one with `/owner outcome`"
    raise NotAuthorized(
        f"Sorry, the KPI tree of *{escape(workflow.name)}* is edited by its outcome owner "
        f"({who}). Nothing changed."
    )
