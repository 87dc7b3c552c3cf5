"""/owner: assign outcome, workflow and stage owners; list them; or open the form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import owners, queries, workflows
from cadence.errors import InvalidInput
from cadence.text import quote
from cadence.vocabulary import OwnerRole
from handlers.blocks.kit import escape
from handlers.blocks.modals import build_owner_modal
from handlers.blocks.workflows import build_owner_list
from handlers.commands.request import CommandRequest, split_subcommand
from handlers.ids import Command
from handlers.parsing import require_one_user, split_quoted, squash, strip_users, user_mentions
from handlers.people import require_person
from handlers.unit_of_work import Reply, unit_of_work
from storage.models import pk

ROLE_WORDS = {
    "outcome": OwnerRole.OUTCOME,
    "workflow": OwnerRole.WORKFLOW,
    "stage": OwnerRole.STAGE,
}
USAGE = (
    "Try `/owner outcome @maria Support resolution`, `/owner workflow @li Support resolution`, "
    '`/owner stage "Exception handling" @sam Support resolution`, `/owner list`, '
    "or just `/owner` for a form."
)


@unit_of_work
def handle_owner_command(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    db: Session,
    default_zone: str,
) -> list[Reply]:
    """`/owner ROLE @person WORKFLOW`, `/owner list [WORKFLOW]`, or `/owner` for the form."""
    ack()
    req = CommandRequest.from_body(body, db, client, default_zone)
    word, rest = split_subcommand(req.args)
    if not word:
        _open_form(req)
    elif word in ("list", "ls"):
        _list(req, rest)
    elif word in ("help", "?"):
        req.reply(USAGE)
    elif word.removesuffix("-owner").removesuffix("_owner") in ROLE_WORDS:
        _assign(req, ROLE_WORDS[word.removesuffix("-owner").removesuffix("_owner")], rest)
    else:
        raise InvalidInput(f"I don't know the role *{quote(word, 40)}*. {USAGE}")
    return req.replies


def _assign(req: CommandRequest, role: OwnerRole, text: str) -> None:
    example = f"/owner {role.value} @maria Support resolution"
    if role == OwnerRole.STAGE:
        example = '/owner stage "Exception handling" @sam Support resolution'
    user_id = require_one_user(text, example=example)
    stage, rest = (None, text)
    if role == OwnerRole.STAGE:
        stage, rest = split_quoted(text)
        if stage is None and user_mentions(text):
            # Forgiving form without quotes: /owner stage Exception handling @sam Support resolution
            before, _, after = text.partition("<@")
            stage, rest = squash(before), "<@" + after
    name = strip_users(rest)
    if not name:
        raise InvalidInput(f"Which workflow? For example: `{example}`")
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=name)
    person = require_person(req.client, user_id)
    result = owners.assign_owner(
        req.db, workflow=workflow, role=role, person=person, actor=req.actor(), stage=stage
    )
    what = f"{owners.role_phrase(role, result.assignment.stage)} of *{escape(workflow.name)}*"
    if not result.changed:
        req.reply(f"{person.mention} is already the {what}; nothing changed.")
        return
    was = f" (taking over from <@{result.previous}>)" if result.previous else ""
    req.reply(f":white_check_mark: {person.mention} is now the {what}{was}. I've let them know.")


def _list(req: CommandRequest, name: str) -> None:
    if name:
        chosen = [workflows.find_workflow(req.db, team_id=req.team_id, name=name)]
    else:
        chosen = workflows.list_workflows(req.db, team_id=req.team_id)
    items = [(w, queries.current_owners(req.db, workflow_id=pk(w))) for w in chosen]
    req.reply("Who owns what", blocks=build_owner_list(items))


def _open_form(req: CommandRequest) -> None:
    available = workflows.list_workflows(req.db, team_id=req.team_id)
    if not available:
        req.reply(
            "There are no workflows to assign owners to yet. Register one first: "
            "`/cadence workflow add Support resolution in #ai-support-gov`."
        )
        return
    req.open_modal(build_owner_modal(available))


def register(app: App) -> None:
    """Register /owner."""
    app.command(Command.OWNER)(handle_owner_command)
