"""/cadence review WORKFLOW [: reason]: a governance session now, beside the weekly thread."""

from __future__ import annotations

from cadence.accountability import workflows
from cadence.errors import InvalidInput
from cadence.governance import review
from cadence.text import escape
from handlers.blocks.governance import session_name
from handlers.commands.request import CommandRequest

USAGE = (
    "Say which workflow, and why if you like: "
    "`/cadence review Support resolution: vote on the new refund policy`."
)


def handle_review(req: CommandRequest) -> None:
    """Open an extra governance session (owners and the council); a retried request opens one."""
    name, _, reason = req.args.partition(":")
    if not name.strip():
        raise InvalidInput(USAGE)
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=name.strip())
    # The trigger id is the request's own: Slack retrying it (or a proxy) sends it again.
    key = f"review:{req.team_id}:{req.command.trigger_id or req.command.response_url}"
    opened = review.request_review(
        req.db,
        workflow=workflow,
        actor_id=req.command.user_id,
        reason=reason,
        request_key=key,
        default_zone=req.default_zone,
    )
    what = f"*{session_name(opened.session)}* on *{escape(workflow.name)}*"
    if not opened.created:
        req.reply(
            f"{what} is already open in <#{opened.session.channel_id}> (you just asked for it); "
            "nothing new was opened."
        )
        return
    req.reply(
        f":white_check_mark: Opened {what} in <#{opened.session.channel_id}>: votes, the "
        "decision and reminders work as in the weekly thread, which still opens on schedule."
    )
