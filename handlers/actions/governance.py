"""Buttons of the governance thread: vote, record the decision, update the scorecard."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import authority, workflows
from cadence.errors import CadenceError, Conflict, InvalidInput
from cadence.governance import scorecard, tally, threads, votes
from cadence.governance.decisions import already_recorded
from cadence.governance.settings import load_schedule
from cadence.governance.trends import read_trends
from cadence.kpi.view import read_kpi_tree
from cadence.vocabulary import GovernanceChoice, SessionStatus
from handlers.batches import Batches
from handlers.blocks.governance_modals import build_decision_modal, build_scorecard_modal
from handlers.errors import reply_privately
from handlers.ids import VOTE_ACTION_PREFIX, ActionId
from handlers.payloads import STALE_BUTTON, button_id, first_action
from handlers.unit_of_work import Later, Reply, unit_of_work
from storage.models import Workflow, pk


class Click(BaseModel):
    """The parts of a block_actions payload a button listener uses."""

    action_id: str
    value: int
    user_id: str
    team_id: str
    trigger_id: str

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Click:
        """Read the first action of the payload; a value that is not an id is refused."""
        return cls(
            action_id=str(first_action(body).get("action_id") or ""),
            value=button_id(body),
            user_id=body["user"]["id"],
            team_id=body["team"]["id"],
            trigger_id=body.get("trigger_id", ""),
        )


# Votes on one thread, stored in batches in this process (see Batches).
VOTE_BATCHES: Batches[votes.Ballot, votes.VoteResult] = Batches()


@unit_of_work
def handle_vote(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    db: Session,
    default_zone: str,
    later: Later,
) -> Reply | None:
    """Record or change the clicker's vote (in a batch with the votes on the same thread that
    arrive meanwhile), then confirm privately from a reply thread (`later`): votes queued
    behind this one are stored without waiting for Slack."""
    ack()
    click = Click.from_body(body)
    try:
        choice = GovernanceChoice(click.action_id.removeprefix(VOTE_ACTION_PREFIX))
    except ValueError:
        raise InvalidInput(STALE_BUTTON) from None

    def store(ballots: Sequence[votes.Ballot]) -> list[votes.VoteResult | CadenceError]:
        # This request leads the batch: its session stores every vote of it, and commits
        # before anyone is told (the next batch never waits on this one's row lock).
        outcomes = votes.cast_votes(
            db,
            session_id=click.value,
            ballots=ballots,
            team_id=click.team_id,
            default_zone=default_zone,
        )
        db.commit()
        return outcomes

    ballot = votes.Ballot(click.user_id, choice)
    result = VOTE_BATCHES.submit((click.team_id, click.value), ballot, store)
    text = vote_confirmation(result)
    if text is None:
        return None
    return Reply(then=lambda: later(functools.partial(reply_privately, body, client, text)))


def vote_confirmation(result: votes.VoteResult) -> str | None:
    """What the voter is told; None for a retry of a vote still being recorded (said once)."""
    if result.retried:
        return None
    if not result.changed:
        return f"You already voted *{result.choice.label}*; your vote stands."
    if result.previous is None:
        return (
            f":ballot_box_with_ballot: Your vote: *{result.choice.label}*. "
            "You can change it until the decision is recorded."
        )
    return (
        f":ballot_box_with_ballot: Vote changed from *{result.previous.label}* "
        f"to *{result.choice.label}*."
    )


@unit_of_work
def handle_record_decision(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    db: Session,
) -> Reply:
    """Open the decision modal for the approver; tell anyone else who can record it."""
    ack()
    click = Click.from_body(body)
    session = threads.get_session(db, session_id=click.value, team_id=click.team_id)
    workflow = db.get(Workflow, session.workflow_id)
    if workflow is None:
        raise InvalidInput("That workflow no longer exists.")
    if session.status != SessionStatus.OPEN:
        raise Conflict(already_recorded(db, click.value))
    authority.require_decision_authority(db, workflow=workflow, user_id=click.user_id)
    counts = tally.tally(db, session_id=click.value)
    view = build_decision_modal(
        session_id=click.value,
        workflow=workflow,
        week_start=session.week_start,
        tally=counts,
        leading=tally.leading_choice(counts),
    )
    return Reply(modal=view)


@unit_of_work
def handle_scorecard_open(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    db: Session,
    default_zone: str,
) -> Reply:
    """Open the scorecard modal (from a thread, a DM or any message carrying the button)."""
    ack()
    click = Click.from_body(body)
    workflow = workflows.live_workflow(db, workflow_id=click.value, team_id=click.team_id)
    if workflow is None:
        raise InvalidInput("That workflow no longer exists.")
    view = scorecard_modal(db, workflow=workflow, user_id=click.user_id, default_zone=default_zone)
    return Reply(modal=view)


def scorecard_modal(
    db: Session, *, workflow: Workflow, user_id: str, default_zone: str
) -> dict[str, Any]:
    """Check the reporter's authority, then build the modal prefilled for the right week."""
    authority.require_scorecard_authority(db, workflow=workflow, user_id=user_id)
    schedule = load_schedule(db, team_id=workflow.team_id, default_zone=default_zone)
    week = scorecard.scorecard_week(db, workflow=workflow, schedule=schedule)
    rows = scorecard.read_scorecard(db, workflow=workflow, week_start=week, schedule=schedule)
    return build_scorecard_modal(
        workflow=workflow,
        week_start=week,
        current=scorecard.current_values(db, workflow_id=pk(workflow), week_start=week),
        latency=rows[-1],
        trends=read_trends(db, workflow=workflow, last_week=week, schedule=schedule),
        kpi=read_kpi_tree(db, workflow_id=pk(workflow), week_start=week),
    )


def register(app: App) -> None:
    """Register the governance buttons."""
    app.action(re.compile(f"^{re.escape(VOTE_ACTION_PREFIX)}"))(handle_vote)
    app.action(ActionId.RECORD_DECISION)(handle_record_decision)
    app.action(ActionId.SCORECARD_OPEN)(handle_scorecard_open)
