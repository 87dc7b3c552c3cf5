"""/cadence: help, and the sub-commands other modules register."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, field_validator
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import Settings
from cadence.people import Person
from cadence.text import escape, unescape
from handlers.blocks.help import SUBCOMMAND_NAMES, build_help, help_text
from handlers.blocks.kit import fallback_text
from handlers.ids import Command
from handlers.middleware import unit_of_work
from handlers.people import require_person


class SlashCommand(BaseModel):
    """The parts of Slack's slash-command payload Cadence uses."""

    command: str
    text: str = ""
    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str = ""
    response_url: str = ""

    @field_validator("text")
    @classmethod
    def _typed_text(cls, value: str) -> str:
        # should_escape sends typed &, <, > as entities; mentions stay real <@U…> markup.
        return unescape(value)


@dataclass
class CommandRequest:
    """Everything a sub-command needs, already parsed."""

    command: SlashCommand
    args: str
    db: Session
    client: WebClient
    respond: Respond
    settings: Settings

    @classmethod
    def from_body(
        cls,
        body: dict[str, Any],
        db: Session,
        client: WebClient,
        respond: Respond,
        settings: Settings,
    ) -> CommandRequest:
        """Parse Slack's payload; `args` is the whole command text."""
        command = SlashCommand.model_validate(body)
        return cls(command, command.text.strip(), db, client, respond, settings)

    @property
    def team_id(self) -> str:
        """The workspace the command came from."""
        return self.command.team_id

    def actor(self) -> Person:
        """The person who ran the command, as Slack describes them."""
        return require_person(self.client, self.command.user_id)

    def reply(
        self, text: str, *, blocks: list[dict[str, Any]] | None = None, public: bool = False
    ) -> None:
        """Commit the change first, then answer (privately unless `public`)."""
        self.db.commit()
        self.respond(
            text=fallback_text(text),
            blocks=blocks,
            response_type="in_channel" if public else "ephemeral",
            replace_original=False,
        )


Subcommand = Callable[[CommandRequest], None]
SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str) -> Callable[[Subcommand], Subcommand]:
    """Register a `/cadence NAME ...` handler."""

    def decorate(func: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = func
        return func

    return decorate


def split_subcommand(text: str) -> tuple[str, str]:
    """('workflow', 'add Support resolution') from 'workflow add Support resolution'."""
    head, _, rest = text.strip().partition(" ")
    return head.lower(), rest.strip()


def did_you_mean(word: str, choices: list[str]) -> str | None:
    """The closest known word, if any is close."""
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return matches[0] if matches else None


@unit_of_work
def handle_cadence_command(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    db: Session,
    settings: Settings,
) -> None:
    """Route /cadence to its sub-command; help (or a 'did you mean') for anything else."""
    command = SlashCommand.model_validate(body)
    name, args = split_subcommand(command.text)
    handler = SUBCOMMANDS.get(name)
    if handler is None:
        intro = None
        if name and name != "help":
            guess = did_you_mean(name, sorted({*SUBCOMMAND_NAMES, *SUBCOMMANDS}))
            intro = f"I don't know `/cadence {escape(name)}`."
            intro += f" Did you mean `/cadence {guess}`?" if guess else " Here is what I can do:"
        ack(text=help_text(intro=intro), blocks=build_help(intro=intro))
        return
    ack()
    handler(CommandRequest(command, args, db, client, respond, settings))


def register(app: App) -> None:
    """Register /cadence and its sub-commands."""
    from handlers.commands import (  # noqa: F401  (they register)
        council,
        escalation_map,
        report,
        rights,
        workflow,
    )

    app.command(Command.CADENCE)(handle_cadence_command)
