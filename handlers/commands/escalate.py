"""/escalate WORKFLOW: WHAT HAPPENED [#kind]."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import Settings
from cadence import escalations, workflows
from cadence.errors import InvalidInput, UnknownWorkflow
from cadence.people import mention
from handlers.blocks.kit import escape
from handlers.commands.cadence import CommandRequest
from handlers.ids import Command
from handlers.middleware import unit_of_work

TAG = re.compile(r"(?<![<\w])#([a-z0-9][a-z0-9-]*)", re.IGNORECASE)
EXAMPLE = "/escalate Support resolution: refunds bot promised credits #policy-exception"


@unit_of_work
def handle_escalate_command(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    db: Session,
    settings: Settings,
) -> None:
    """Record the escalation, route it by the map, and tell the person where it went."""
    ack()
    req = CommandRequest.from_body(body, db, client, respond, settings)
    command = req.command
    if not req.args or req.args.lower() in ("help", "?"):
        req.reply(f"Raise a matter with whoever is accountable. For example: `{EXAMPLE}`")
        return
    tags = TAG.findall(req.args)
    text = TAG.sub(" ", req.args)
    workflow, summary = _split_workflow(req, text)
    raised = escalations.raise_escalation(
        db,
        workflow=workflow,
        summary=summary,
        tag=tags[0] if tags else None,
        raised_by=command.user_id,
        source_channel_id=command.channel_id,
        idempotency_key=f"slash:{command.team_id}:{command.trigger_id or command.response_url}",
    )
    who = ", ".join(mention(u) for u in raised.routed_to)
    if not who:
        req.reply(
            f":warning: Recorded your escalation on *{escape(workflow.name)}*, but nobody is "
            f"accountable yet, so I posted it in <#{workflow.channel_id}>. "
            f"Name owners with `/owner outcome @person {workflow.name}`."
        )
        return
    req.reply(
        f":white_check_mark: Escalated to {who} on *{escape(workflow.name)}*; "
        f"also posted in <#{workflow.channel_id}>."
    )


def _split_workflow(req: CommandRequest, text: str) -> tuple[Any, str]:
    """'Workflow name: what happened', or the longest workflow name the text starts with."""
    name, colon, rest = text.partition(":")
    if colon:
        return workflows.find_workflow(req.db, team_id=req.team_id, name=name), rest
    key = " ".join(text.split()).casefold()
    for workflow in sorted(
        workflows.list_workflows(req.db, team_id=req.team_id), key=lambda w: -len(w.name_key)
    ):
        if key.startswith(workflow.name_key + " "):
            return workflow, text.strip()[len(workflow.name_key) :]
    first = text.split(":")[0].strip()
    if not first:
        raise InvalidInput(f"Which workflow? For example: `{EXAMPLE}`")
    raise UnknownWorkflow(" ".join(first.split()[:4]))


def register(app: App) -> None:
    """Register /escalate."""
    app.command(Command.ESCALATE)(handle_escalate_command)
