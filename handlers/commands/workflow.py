"""/cadence workflow add | list | show | rename | archive."""

from __future__ import annotations

from cadence.accountability import owners, queries, workflows
from cadence.errors import InvalidInput, UnknownWorkflow
from cadence.governance import risk_review, triggers
from cadence.governance.schedule import local_time, next_opening
from cadence.governance.settings import load_schedule
from cadence.kpi.view import current_tree
from cadence.people import mention
from cadence.reset import lifecycle
from handlers.blocks.kit import escape, local_date
from handlers.blocks.kpi import build_kpi_blocks
from handlers.blocks.triggers import trigger_lines
from handlers.blocks.workflows import build_workflow_detail, build_workflow_list
from handlers.commands.request import CommandRequest, split_subcommand
from handlers.parsing import parse_workflow_add
from storage.models import pk

ACTIONS = "add, list, show, rename, archive"


def handle_workflow(req: CommandRequest) -> None:
    """Dispatch `/cadence workflow ACTION ...`."""
    action, rest = split_subcommand(req.args)
    handler = {
        "add": _add,
        "list": _list,
        "ls": _list,
        "show": _show,
        "rename": _rename,
        "archive": _archive,
    }.get(action)
    if handler is None:
        raise InvalidInput(
            f"`/cadence workflow` takes one of: {ACTIONS}. "
            "For example: `/cadence workflow add Support resolution in #ai-support-gov`."
        )
    handler(req, rest)


def _add(req: CommandRequest, text: str) -> None:
    spec = parse_workflow_add(text)
    channel = spec.channel_id or req.command.channel_id
    workflow = workflows.add_workflow(
        req.db,
        team_id=req.team_id,
        name=spec.name,
        channel_id=channel,
        actor=req.actor(),
        business_outcome=spec.business_outcome,
        risk_tier=spec.risk_tier,
    )
    outcome = f", outcome _{escape(spec.business_outcome)}_" if spec.business_outcome else ""
    schedule = load_schedule(req.db, team_id=req.team_id, default_zone=req.default_zone)
    first = local_time(next_opening(schedule, workflow.created_at), schedule.timezone)
    req.reply(
        f":white_check_mark: Registered *{escape(workflow.name)}* (risk {workflow.risk_tier}"
        f"{outcome}) with governance in <#{channel}>.\n"
        f"Next: `/owner outcome @person {workflow.name}` and "
        f"`/owner workflow @person {workflow.name}`.\n"
        f"First weekly governance thread: {first:%a %d %b %H:%M} ({schedule.timezone})."
    )


def _list(req: CommandRequest, _text: str) -> None:
    items = [
        (w, queries.current_owners(req.db, workflow_id=pk(w)))
        for w in workflows.list_workflows(req.db, team_id=req.team_id)
    ]
    req.reply("AI workflows", blocks=build_workflow_list(items))


def _show(req: CommandRequest, text: str) -> None:
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=text)
    current = queries.current_owners(req.db, workflow_id=pk(workflow))
    tz = req.default_zone
    history = [
        f"• {local_date(a.created_at, tz)}: {mention(a.user_id)} "
        f"{owners.role_phrase(a.role, a.stage)}, by {mention(a.assigned_by)}"
        + (f" (until {local_date(a.ended_at, tz)})" if a.ended_at else "")
        for a in queries.owner_history(req.db, workflow_id=pk(workflow))
    ]
    rules = triggers.current_rules(req.db, workflow_id=pk(workflow))
    breached = set(risk_review.open_breaches(req.db, pk(workflow)))
    tree = current_tree(req.db, workflow=workflow, default_zone=req.default_zone)
    blocks = build_workflow_detail(
        workflow,
        current,
        history,
        triggers=trigger_lines(rules, breached),
        kpi=build_kpi_blocks(tree) if tree is not None else None,
    )
    req.reply(escape(workflow.name), blocks=blocks)


def _rename(req: CommandRequest, text: str) -> None:
    old, new = _split_rename(req, text)
    workflow = workflows.rename_workflow(
        req.db, team_id=req.team_id, name=old, new_name=new, actor=req.actor()
    )
    req.reply(f":white_check_mark: *{escape(old)}* is now called *{escape(workflow.name)}*.")


def _split_rename(req: CommandRequest, text: str) -> tuple[str, str]:
    """'OLD to NEW', where either name may itself contain ' to '."""
    pieces = text.split(" to ")
    if len(pieces) < 2:
        raise InvalidInput(
            "Say which workflow and its new name: `/cadence workflow rename OLD to NEW`."
        )
    splits = [(" to ".join(pieces[:i]), " to ".join(pieces[i:])) for i in range(1, len(pieces))]
    for old, new in splits:
        try:
            workflows.find_workflow(req.db, team_id=req.team_id, name=old)
        except UnknownWorkflow:
            continue
        return old, new
    return splits[0]


def _archive(req: CommandRequest, text: str) -> None:
    workflow = workflows.archive_workflow(req.db, team_id=req.team_id, name=text, actor=req.actor())
    stopped = lifecycle.stop_for_archived(
        req.db, workflow=workflow, actor_id=req.command.user_id, default_zone=req.default_zone
    )
    stop = " Its 30-day reset is stopped; the summary goes to its channel and the AI council."
    req.reply(
        f":file_cabinet: Archived *{escape(workflow.name)}*. "
        "Its owners, rights and history are kept." + (stop if stopped else "")
    )
