"""The risk tier's buttons: the council approves or rejects a tier change, reviews a high-risk
escalation; the outcome owner of a low-risk workflow skips a week."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import authority
from cadence.escalations import guardrails, queries
from cadence.governance import risk_tiers, skips
from handlers.blocks.governance_forms import build_skip_modal
from handlers.blocks.guardrails import build_council_review_modal
from handlers.ids import ActionId, EscalationAction, RiskTierAction
from handlers.payloads import button_id
from handlers.unit_of_work import Reply, unit_of_work
from storage.models import Workflow, pk


def _value(body: dict[str, Any]) -> int:
    return button_id(body)


def _decide(body: dict[str, Any], db: Session, *, approve: bool) -> Reply:
    decided = risk_tiers.decide(
        db,
        request_id=_value(body),
        team_id=body["team"]["id"],
        actor_id=body["user"]["id"],
        approve=approve,
    )
    return Reply(decided.message)


@unit_of_work
def handle_tier_approve(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """A council member approves the tier change: the tier changes now."""
    ack()
    return _decide(body, db, approve=True)


@unit_of_work
def handle_tier_reject(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """A council member rejects the tier change: the tier stays."""
    ack()
    return _decide(body, db, approve=False)


@unit_of_work
def handle_council_review(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """Open the review form for a council member (refuse anyone else, or a moot review)."""
    ack()
    escalation = queries.get_escalation(db, team_id=body["team"]["id"], number=_value(body))
    actor = body["user"]["id"]
    if not authority.is_council_member(db, team_id=escalation.team_id, user_id=actor):
        return Reply("Sorry, only a member of the AI council can review it.")
    if not guardrails.needs_council_review(db, escalation):
        return Reply(f"Escalation #{escalation.id} needs no council review any more.")
    return Reply(modal=build_council_review_modal(pk(escalation), escalation.summary))


@unit_of_work
def handle_skip_week(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """Open the skip form for the outcome owner of a low-risk workflow."""
    ack()
    session = skips.skippable(
        db, session_id=_value(body), team_id=body["team"]["id"], actor_id=body["user"]["id"]
    )
    workflow = db.get(Workflow, session.workflow_id)
    assert workflow is not None  # checked by skippable
    return Reply(modal=build_skip_modal(pk(session), workflow.name, session.week_start))


def register(app: App) -> None:
    """Register the guardrails' buttons."""
    app.action(RiskTierAction.APPROVE)(handle_tier_approve)
    app.action(RiskTierAction.REJECT)(handle_tier_reject)
    app.action(EscalationAction.COUNCIL_REVIEW)(handle_council_review)
    app.action(ActionId.SKIP_WEEK)(handle_skip_week)
