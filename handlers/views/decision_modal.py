"""Submission of the decision modal: validated before ack, recorded once."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.errors import CadenceError, Conflict, InvalidInput
from cadence.governance import decisions as governance_decisions
from cadence.governance.decisions import FOLLOW_UPS_MAX, FollowUp
from cadence.governance.settings import load_schedule
from cadence.people import require_assignable
from cadence.vocabulary import GovernanceChoice
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import GovernanceBlock, View, follow_up_block_id
from handlers.payloads import STALE_FORM, metadata_id, selected, text_input
from handlers.people import require_person
from handlers.unit_of_work import FormErrors, Reply, unit_of_work
from storage.models import GovernanceSession


class RawFollowUp(BaseModel):
    """One row of follow-up inputs as submitted (any part may be empty)."""

    slot: int
    what: str = ""
    owner: str | None = None
    due: date | None = None

    @property
    def empty(self) -> bool:
        """Nothing was filled in."""
        return not self.what.strip() and self.owner is None and self.due is None


class DecisionForm(BaseModel):
    """What the decision modal holds once Slack has sent it."""

    session_id: int
    choice: GovernanceChoice | None
    rationale: str
    rows: list[RawFollowUp]
    re_review_on: date | None

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> DecisionForm:
        """Read the submitted state and the session id from private_metadata."""
        rows = [
            RawFollowUp(
                slot=n,
                what=text_input(view, follow_up_block_id(n, "what")) or "",
                owner=selected(view, follow_up_block_id(n, "owner"), "selected_user"),
                due=_date(selected(view, follow_up_block_id(n, "due"), "selected_date")),
            )
            for n in range(1, FOLLOW_UPS_MAX + 1)
        ]
        choice = selected(view, GovernanceBlock.CHOICE)
        return cls(
            session_id=metadata_id(view, "session_id"),
            choice=choice if choice in GovernanceChoice.__members__.values() else None,
            rationale=text_input(view, GovernanceBlock.RATIONALE) or "",
            rows=rows,
            re_review_on=_date(selected(view, GovernanceBlock.RE_REVIEW, "selected_date")),
        )


def _date(picked: str | None) -> date | None:
    """A datepicker's YYYY-MM-DD; anything else means the form is not what Cadence sent."""
    if picked is None:
        return None
    try:
        return date.fromisoformat(picked)
    except ValueError:
        raise InvalidInput(STALE_FORM) from None


def _block_for(field: str | None) -> str:
    if field == "rationale":
        return GovernanceBlock.RATIONALE
    if field == "re_review":
        return GovernanceBlock.RE_REVIEW
    if field and field.startswith("action"):
        return follow_up_block_id(int(field.removeprefix("action") or 1), "what")
    return GovernanceBlock.CHOICE


def follow_ups(client: WebClient, rows: list[RawFollowUp]) -> list[FollowUp]:
    """The filled rows as follow-ups; a half-filled row or an owner who can't own is refused."""
    found = []
    for row in rows:
        if row.empty:
            continue
        if not row.what.strip():
            raise InvalidInput("Say what needs doing.", field=f"action{row.slot}")
        if row.owner is None:
            raise InvalidInput("Pick who owns this action.", field=f"owner{row.slot}")
        try:
            require_assignable(require_person(client, row.owner))
        except CadenceError as error:
            raise InvalidInput(error.user_message, field=f"owner{row.slot}") from None
        found.append(FollowUp(" ".join(row.what.split()), row.owner, row.due, row.slot))
    return found


@unit_of_work
def handle_decision_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    db: Session,
    default_zone: str,
) -> Reply:
    """Record the decision, or show what's wrong next to the field."""
    form = DecisionForm.from_view(view)
    session = db.get(GovernanceSession, form.session_id)
    team_id = body["team"]["id"]
    try:
        if form.choice is None:
            raise InvalidInput("Choose one of the four decisions.")
        schedule = load_schedule(db, team_id=team_id, default_zone=default_zone)
        decision = governance_decisions.record_decision(
            db,
            session_id=form.session_id,
            team_id=team_id,
            actor_id=body["user"]["id"],
            choice=form.choice,
            rationale=form.rationale,
            follow_ups=follow_ups(client, form.rows),
            re_review_on=form.re_review_on,
            timezone=schedule.timezone,
            default_zone=default_zone,
        )
    except Conflict as error:
        db.rollback()
        return Reply(view_update=build_done_modal("Already recorded", error.user_message))
    except CadenceError as error:
        field = error.field or ""
        block = (
            follow_up_block_id(int(field.removeprefix("owner")), "owner")
            if field.startswith("owner")
            else _block_for(field)
        )
        raise FormErrors({block: modal_error(error.user_message)}) from error
    channel = session.channel_id if session is not None else ""
    return Reply(
        view_update=build_done_modal(
            "Decision recorded",
            f":white_check_mark: Recorded *{form.choice.label}*. It is posted in the thread "
            f"in <#{channel}>, the workflow's status follows, and action owners are told."
            + (f" Re-review on {decision.re_review_on:%a %d %b}." if decision.re_review_on else ""),
        ),
    )


def register(app: App) -> None:
    """Register the decision modal's submission listener."""
    app.view(View.DECISION)(handle_decision_submission)
