"""/cadence reset WORKFLOW [because REASON] | status | stop WORKFLOW: REASON | next WORKFLOW."""

from __future__ import annotations

import difflib
import re

from cadence.accountability import workflows
from cadence.errors import InvalidInput
from cadence.reset import lifecycle
from cadence.reset.view import running_views
from cadence.text import escape, quote
from handlers.blocks.reset import build_status
from handlers.commands.request import CommandRequest, split_subcommand
from storage.models import AccountabilityReset, Workflow

USAGE = (
    "`/cadence reset WORKFLOW` starts a 30-day accountability reset of one focus workflow "
    "(its outcome owner or the AI council); `/cadence reset status` shows the running ones; "
    "`/cadence reset stop WORKFLOW: REASON` stops one early; `/cadence reset next WORKFLOW` "
    "names the next focus. While one runs, a council member starts another only with a "
    "reason: `/cadence reset WORKFLOW because REASON`."
)
BECAUSE = re.compile(r"\s+because\s+|\s*:\s*", re.IGNORECASE)
VERBS = ("status", "stop", "next")


def handle_reset(req: CommandRequest) -> None:
    """Dispatch `/cadence reset ...`."""
    word, rest = split_subcommand(req.args)
    if not word:
        raise InvalidInput(USAGE)
    if word == "status" and not rest:
        _status(req)
    elif word == "stop":
        _stop(req, rest)
    elif word == "next":
        _next(req, rest)
    else:
        _refuse_misspelt_verb(req, word, rest)
        _start(req, req.args)


def _refuse_misspelt_verb(req: CommandRequest, word: str, rest: str) -> None:
    """`reset stauts` or `reset start Support resolution` names no workflow: say what was
    probably meant rather than look for a workflow called "stauts"."""
    if _names_workflow(req, req.args):
        return
    if word == "start" and rest:
        meant = f"/cadence reset {rest}"
    else:
        close = difflib.get_close_matches(word, VERBS, n=1, cutoff=0.7)
        if not close:
            return
        meant = f"/cadence reset {close[0]} {rest if close[0] != 'status' else ''}".strip()
    raise InvalidInput(
        f"I couldn't find a workflow called *{quote(req.args, 80)}*. "
        f"Did you mean `{quote(meant, 120)}`?\n{USAGE}"
    )


def _names_workflow(req: CommandRequest, text: str) -> bool:
    """Whether `text`, or its part before `because`/`:`, is a workflow's name."""
    heads = [text] + [text[: m.start()] for m in BECAUSE.finditer(text)]
    return any(_known(req, head.strip()) is not None for head in heads)


def _start(req: CommandRequest, text: str) -> None:
    workflow, reason = _workflow_and_reason(req, text)
    reset = lifecycle.start_reset(
        req.db,
        workflow=workflow,
        actor_id=req.command.user_id,
        reason=reason,
        default_zone=req.default_zone,
    )
    req.reply(
        f":white_check_mark: Started the 30-day accountability reset of *{escape(workflow.name)}* "
        f"(day 1: {reset.start_day:%a %d %b}). The checklist is in <#{workflow.channel_id}>; "
        "every item is checked from what people do, and the outcome owner gets a DM each Monday."
    )


def _workflow_and_reason(req: CommandRequest, text: str) -> tuple[Workflow, str | None]:
    """'Support resolution because REASON' (or ': REASON'): the first split whose left side
    names a workflow; else the whole text is the name."""
    for match in BECAUSE.finditer(text):
        name = text[: match.start()].strip()
        found = _known(req, name)
        if found is not None:
            return found, text[match.end() :].strip() or None
    return workflows.find_workflow(req.db, team_id=req.team_id, name=text), None


def _known(req: CommandRequest, name: str) -> Workflow | None:
    key = workflows.name_key(name.strip("\"'“”")) if name else ""
    live = workflows.list_workflows(req.db, team_id=req.team_id)
    return next((w for w in live if key and w.name_key == key), None)


def _status(req: CommandRequest) -> None:
    views = running_views(req.db, team_id=req.team_id)
    req.reply(f"30-day resets running: {len(views)}", blocks=build_status(views))


def _running_named(req: CommandRequest, text: str) -> tuple[AccountabilityReset, str] | None:
    """The running reset whose workflow's name starts `text` (longest first), and the rest."""
    found = []
    for reset in lifecycle.running(req.db, team_id=req.team_id):
        workflow = req.db.get(Workflow, reset.workflow_id)
        if workflow is None:
            continue
        head = text[: len(workflow.name)]
        tail = text[len(workflow.name) :]
        if workflows.name_key(head) == workflow.name_key and (not tail or tail[0] in " :"):
            found.append((len(workflow.name), reset, tail.strip().lstrip(":").strip()))
    if not found:
        return None
    _, reset, rest = max(found, key=lambda f: f[0])
    return reset, rest


def _stop(req: CommandRequest, text: str) -> None:
    if not text.strip():
        raise InvalidInput(
            "Say which reset to stop and why: `/cadence reset stop Support resolution: the "
            "team moves to billing`. `/cadence reset status` lists the running ones."
        )
    named = _running_named(req, text.strip())
    if named is None:
        raise InvalidInput(
            f"No running reset matches “{quote(text, 80)}”. Say which and why: "
            "`/cadence reset stop Support resolution: the team moves to billing`. "
            "`/cadence reset status` lists the running ones."
        )
    reset, reason = named
    lifecycle.stop_reset(req.db, reset=reset, actor_id=req.command.user_id, reason=reason,
                         default_zone=req.default_zone)  # fmt: skip
    workflow = req.db.get(Workflow, reset.workflow_id)
    name = escape(workflow.name) if workflow is not None else "the workflow"
    req.reply(
        f":octagonal_sign: Stopped the 30-day reset of *{name}*. The summary (done, late, "
        "missed) goes to its channel and the AI council."
    )


def _next(req: CommandRequest, text: str) -> None:
    """`next WORKFLOW`, or `next WORKFLOW for CURRENT` when several resets run."""
    running = lifecycle.running(req.db, team_id=req.team_id)
    if not text.strip():
        raise InvalidInput("Which workflow is next? `/cadence reset next Billing disputes`.")
    target, name = None, text.strip()
    for match in re.finditer(r"\s+for\s+", text, re.IGNORECASE):
        named = _running_named(req, text[match.end() :].strip())
        if named is not None and not named[1]:
            target, name = named[0], text[: match.start()].strip()
    if target is None:
        if len(running) != 1:
            raise InvalidInput(
                "No 30-day reset is running; start one with `/cadence reset WORKFLOW`."
                if not running
                else "Several resets are running; say which one: "
                "`/cadence reset next NEXT WORKFLOW for CURRENT WORKFLOW`."
            )
        target = running[0]
    following = workflows.find_workflow(req.db, team_id=req.team_id, name=name)
    lifecycle.set_next(req.db, reset=target, following=following, actor_id=req.command.user_id,
                       default_zone=req.default_zone)  # fmt: skip
    current = req.db.get(Workflow, target.workflow_id)
    if current is not None and current.id == following.id:
        req.reply(f":white_check_mark: *{escape(following.name)}* stays the focus for the next "
                  "30 days, after this reset.")  # fmt: skip
        return
    of = f" after *{escape(current.name)}*" if current is not None else ""
    req.reply(f":white_check_mark: *{escape(following.name)}* is the next 30-day focus{of}.")
