"""Buttons on reminder DMs: snooze for an hour or a day, mark a follow-up action done."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.errors import InvalidInput
from cadence.governance import actions as action_items
from cadence.reminders import sweep
from handlers.blocks.kit import slack_time
from handlers.blocks.reminders import build_settled
from handlers.ids import ReminderAction
from handlers.payloads import button_text, first_action, parse_id
from handlers.unit_of_work import Reply, unit_of_work

SNOOZES = {ReminderAction.SNOOZE_HOUR: "1h", ReminderAction.SNOOZE_DAY: "1d"}


@unit_of_work
def handle_snooze(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """Hold this reminder for the clicker until an hour or a day from now."""
    ack()
    until = sweep.snooze(
        db,
        subject=button_text(body),
        recipient=body["user"]["id"],
        choice=SNOOZES.get(str(first_action(body).get("action_id")), ""),
    )
    note = f":zzz: Snoozed until {slack_time(until)}. I'll remind you then if it's still open."
    return _settled(body, note)


@unit_of_work
def handle_action_done(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """Mark the follow-up action done (its owner, the workflow's owners or the council)."""
    ack()
    action_id = parse_id(button_text(body))
    if action_id is None:
        raise InvalidInput("That button does not name a follow-up action; nothing changed.")
    _, changed = action_items.complete_action(db, action_id=action_id, actor=body["user"]["id"])
    note = ":white_check_mark: Marked done. Thank you!" if changed else "It was already done."
    return _settled(body, note)


def _settled(body: dict[str, Any], note: str) -> Reply:
    """Replace the reminder in the DM: same text, buttons retired, what happened below."""
    message = body.get("message") or {}
    return Reply(
        message.get("text") or note,
        blocks=build_settled(message.get("blocks") or [], note),
        replace_original=True,
    )


def register(app: App) -> None:
    """Register the reminder buttons."""
    for action_id in SNOOZES:
        app.action(action_id)(handle_snooze)
    app.action(ReminderAction.ACTION_DONE)(handle_action_done)
