"""The parsed slash command every command and sub-command works from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, field_validator
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.people import Person
from cadence.text import unescape
from handlers.people import require_person
from handlers.unit_of_work import Reply


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
    """Everything a sub-command needs, already parsed, and what it has to say.

    `default_zone` is the configured zone for workspaces that have not set their own.
    """

    command: SlashCommand
    args: str
    db: Session
    client: WebClient
    default_zone: str
    replies: list[Reply] = field(default_factory=list)

    @classmethod
    def from_body(
        cls, body: dict[str, Any], db: Session, client: WebClient, default_zone: str
    ) -> CommandRequest:
        """Parse Slack's payload; `args` is the whole command text."""
        command = SlashCommand.model_validate(body)
        return cls(command, command.text.strip(), db, client, default_zone)

    @property
    def team_id(self) -> str:
        """The workspace the command came from."""
        return self.command.team_id

    def actor(self) -> Person:
        """The person who ran the command, as Slack describes them."""
        return require_person(self.client, self.command.user_id)

    def reply(
        self,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        public: bool = False,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Answer privately (or in the channel when `public`) once the change is committed;
        `then` is further talk to Slack after the answer (an upload)."""
        self.replies.append(Reply(text, blocks=blocks, public=public, then=then))

    def open_modal(self, view: dict[str, Any]) -> None:
        """Open `view` with the command's trigger id once the change is committed."""
        self.replies.append(Reply(modal=view))


def split_subcommand(text: str) -> tuple[str, str]:
    """('workflow', 'add Support resolution') from 'workflow add Support resolution'."""
    head, _, rest = text.strip().partition(" ")
    return head.lower(), rest.strip()
