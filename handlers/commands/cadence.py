"""/cadence: routing to the sub-commands, and help (or a 'did you mean') for anything else."""

from __future__ import annotations

import difflib
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.text import quote
from handlers.blocks.help import SUBCOMMAND_NAMES, build_help, help_text
from handlers.commands.request import CommandRequest, SlashCommand, split_subcommand
from handlers.commands.subcommands import SUBCOMMANDS
from handlers.ids import Command
from handlers.unit_of_work import Reply, unit_of_work


def did_you_mean(word: str, choices: list[str]) -> str | None:
    """The closest known word, if any is close."""
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return matches[0] if matches else None


def immediate_ack(body: dict[str, Any]) -> dict[str, Any]:
    """The ack of /cadence, which needs nothing but the text typed: the help (or a 'did you
    mean') for anything that is not a sub-command, else empty (the sub-command answers later)."""
    name, _ = split_subcommand(str(body.get("text") or ""))
    if name in SUBCOMMANDS:
        return {}
    intro = None
    if name and name != "help":
        guess = did_you_mean(name, sorted({*SUBCOMMAND_NAMES, *SUBCOMMANDS}))
        intro = f"I don't know `/cadence {quote(name, 40)}`."
        intro += f" Did you mean `/cadence {guess}`?" if guess else " Here is what I can do:"
    return {"text": help_text(intro=intro), "blocks": build_help(intro=intro)}


@unit_of_work
def handle_cadence_command(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    db: Session,
    default_zone: str,
) -> list[Reply]:
    """Route /cadence to its sub-command; help (or a 'did you mean') for anything else."""
    command = SlashCommand.model_validate(body)
    name, args = split_subcommand(command.text)
    handler = SUBCOMMANDS.get(name)
    if ack.response is None:  # not acked already on the request's thread
        ack(**immediate_ack(body))
    if handler is None:
        return []
    request = CommandRequest(command, args, db, client, default_zone)
    handler(request)
    return request.replies


def register(app: App) -> None:
    """Register /cadence (its sub-commands are the table in handlers.commands.subcommands)."""
    app.command(Command.CADENCE)(handle_cadence_command)
