"""/escalate [what happened] opens the form; /escalate list | show N | help."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import workflows
from cadence.escalations import queries
from cadence.escalations.raising import KIND_TAGS
from handlers.blocks.escalation_modals import Prefill, build_escalation_modal, kind_value
from handlers.blocks.escalations import build_escalation_detail, build_escalation_list
from handlers.commands.request import CommandRequest
from handlers.ids import Command
from handlers.unit_of_work import Reply, unit_of_work
from storage.models import Workflow

logger = logging.getLogger(__name__)

TAG = re.compile(r"(?<![<\w])#([a-z0-9][a-z0-9-]*)", re.IGNORECASE)
SHOW = re.compile(r"^(?:show\s+)?#?(\d{1,9})$", re.IGNORECASE)
METADATA_TEXT_MAX, METADATA_MAX = 2000, 3000
HELP = (
    "*Raise a matter with whoever is accountable.*\n"
    "• `/escalate` — open the form (from any channel; in a governance channel its workflow is "
    "preselected)\n"
    "• `/escalate the refund bot promised credits` — the form, with that as the summary\n"
    "• `/escalate Support resolution: refund bot promised credits #policy-exception` — "
    "workflow and kind preselected too\n"
    "• `/escalate list` — escalations you raised and open ones you own\n"
    "• `/escalate show 42` — one escalation with its timeline\n"
    "• `/cadence gaps` — where ownership changed hands without explicit authority"
)


@unit_of_work
def handle_escalate_command(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    db: Session,
    default_zone: str,
) -> list[Reply]:
    """Open the escalation form at once (trigger ids expire in 3 s), or list / show / help."""
    ack()
    req = CommandRequest.from_body(body, db, client, default_zone)
    words = req.args.lower()
    if words in ("help", "?"):
        req.reply(HELP)
    elif words in ("list", "ls", "mine"):
        listed, total = queries.list_for(db, team_id=req.team_id, user_id=req.command.user_id)
        blocks = build_escalation_list(listed, total, default_zone)
        req.reply(f"Your escalations ({total})", blocks=blocks)
    elif match := SHOW.match(words):
        _show(req, int(match.group(1)))
    else:
        _open_form(req)
    return req.replies


def _show(req: CommandRequest, number: int) -> None:
    escalation = queries.get_escalation(req.db, team_id=req.team_id, number=number)
    card = queries.card(req.db, escalation_id=number, viewer=None)
    assert card is not None  # just found
    events = queries.timeline(req.db, escalation_id=number)
    blocks = build_escalation_detail(card, events, req.default_zone)
    req.reply(f"Escalation #{escalation.id}", blocks=blocks)


def _open_form(req: CommandRequest) -> None:
    active = workflows.list_workflows(req.db, team_id=req.team_id)
    if not active:
        req.reply(
            "There are no workflows to escalate about yet. Register one with "
            "`/cadence workflow add NAME in #governance-channel`, then name its owners."
        )
        return
    command = req.command
    prefill = read_command_text(req.args, active, channel_id=command.channel_id)
    metadata = form_metadata(command.channel_id, req.args)
    view = build_escalation_modal(active, prefill=prefill, metadata=metadata)
    req.open_modal(view)


def form_metadata(channel_id: str, text: str) -> str:
    """The source channel and command text as private_metadata (JSON, at most 3000 chars)."""
    text = text[:METADATA_TEXT_MAX]
    while len(data := json.dumps({"channel": channel_id, "text": text})) > METADATA_MAX:
        text = text[: len(text) * 3 // 4]  # escaping can make JSON longer than the text
    return data


def read_command_text(text: str, active: list[Workflow], *, channel_id: str) -> Prefill:
    """Workflow, kind and summary from 'Workflow: what happened #kind' (or a name first);
    otherwise the whole text is the summary and the channel's workflow is preselected."""
    by_channel = next((w for w in active if w.channel_id == channel_id), None)
    tags = TAG.findall(text)
    kind = next((KIND_TAGS[t.lower()] for t in tags if t.lower() in KIND_TAGS), None)
    bare = " ".join(TAG.sub(" ", text).split()) if kind else " ".join(text.split())
    workflow, rest = _named_workflow(bare, active)
    if workflow is None:
        return Prefill(by_channel.id if by_channel else None, None, " ".join(text.split()))
    return Prefill(workflow.id, kind_value(kind) if kind else None, rest.strip(" :-—"))


def _named_workflow(text: str, active: list[Workflow]) -> tuple[Workflow | None, str]:
    name, colon, rest = text.partition(":")
    if colon:
        key = workflows.name_key(name)
        match = next((w for w in active if w.name_key == key), None)
        if match is not None:
            return match, rest
    key = text.casefold()
    for workflow in sorted(active, key=lambda w: -len(w.name_key)):
        if key == workflow.name_key or key.startswith(workflow.name_key + " "):
            return workflow, text[len(workflow.name_key) :]
    return None, text


def register(app: App) -> None:
    """Register /escalate."""
    app.command(Command.ESCALATE)(handle_escalate_command)
