"""/cadence trends WORKFLOW: the scorecard's last 12 weeks, as text and as a chart image."""

from __future__ import annotations

import logging

from slack_bolt import Respond

from cadence.accountability import workflows
from cadence.errors import InvalidInput
from cadence.governance import scorecard
from cadence.governance.settings import load_schedule
from cadence.governance.trends import Trend, read_trends
from cadence.text import escape
from handlers.blocks.trends import build_trends_message
from handlers.charts import render_chart
from handlers.commands.request import CommandRequest
from handlers.unit_of_work import Reply
from handlers.uploads import UploadRefused, upload_file

logger = logging.getLogger(__name__)
CHART_WEEKS = 12


def handle_trends(req: CommandRequest) -> None:
    """Post the trends in the channel as text, then the chart; if Slack refuses the chart, the
    text stands and the person is told why."""
    if not req.args:
        raise InvalidInput("Say which workflow: `/cadence trends Support resolution`.")
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=req.args)
    schedule = load_schedule(req.db, team_id=req.team_id, default_zone=req.default_zone)
    week = scorecard.scorecard_week(req.db, workflow=workflow, schedule=schedule)
    shown = read_trends(
        req.db, workflow=workflow, last_week=week, schedule=schedule, weeks=CHART_WEEKS
    )
    title = f"Scorecard trends: {workflow.name}"

    def post_chart() -> None:
        post_trends_chart(req, shown, title=title)

    blocks = build_trends_message(workflow.name, shown)
    req.replies.append(Reply(escape(title), blocks=blocks, public=True, then=post_chart))


def post_trends_chart(req: CommandRequest, shown: list[Trend], *, title: str) -> None:
    """Draw and upload the chart to the command's channel; a refusal is said privately."""
    weeks = f"{shown[0].weeks[0]:%d %b} to {shown[-1].weeks[-1]:%d %b %Y}"
    try:
        upload_file(
            req.client,
            content=render_chart(shown, title=f"{title} ({weeks})"),
            filename="scorecard-trends.png",
            title=f"{title}, {weeks}",
            channel_id=req.command.channel_id,
            alt_text=f"{title}: one line per metric, week by week, {weeks}",
        )
    except UploadRefused as refused:
        logger.info("Chart upload refused: %s", refused)
        Respond(response_url=req.command.response_url)(
            text=f"Slack refused the chart ({escape(refused.reason)} at {refused.step}); the "
            "trends above are the same figures as text. To post charts, invite me to the "
            "channel and make sure the app has the files:write scope.",
            response_type="ephemeral",
            replace_original=False,
        )
