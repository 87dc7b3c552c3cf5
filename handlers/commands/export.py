"""/cadence export KIND [csv|json|md] [PERIOD]: the record as a file, in the person's DM."""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from cadence.accountability import council
from cadence.errors import InvalidInput
from cadence.evidence import report
from cadence.evidence.exports import ExportFile, ExportRequest, export_file, get_kind
from cadence.evidence.formats import ExportFormat
from cadence.evidence.kinds import KINDS
from cadence.evidence.periods import parse_period
from cadence.reminders.working_hours import workspace_timezone
from handlers.commands.request import CommandRequest
from handlers.uploads import UploadRefused, upload_file
from storage.clock import now

# File formats people ask for that Cadence does not make (CSV opens in any spreadsheet).
OTHER_FORMATS = frozenset({"xlsx", "xls", "excel", "tsv", "pdf", "txt", "markdown", "html", "xml"})
MAX_ROWS = 100_000  # beyond this, the command line streams it (`cadence-bot export`)
USAGE = (
    "Say what to export, e.g. `/cadence export decisions csv last quarter`: a kind ("
    + ", ".join(KINDS)
    + "), then optionally csv, json or md, and a period (`2026-11`, `last month`, `Q4 2026`)."
)


def handle_export(req: CommandRequest) -> None:
    """Export one kind for the person's scope (all: council, admins; outcome owners: their
    workflows) and upload it to their DM once the answer is given."""
    words = req.args.split()
    if not words:
        raise InvalidInput(USAGE)
    kind = get_kind(words[0])
    rest = words[1:]
    fmt = ExportFormat.CSV
    if rest and rest[0].lower() in {f.value for f in ExportFormat}:
        fmt = ExportFormat(rest.pop(0).lower())
    elif rest and rest[0].lower().lstrip(".") in OTHER_FORMATS:  # not a period: say so
        raise InvalidInput(f"I export csv, json or md, not {rest[0].lower()}. {USAGE}")
    actor = req.actor()
    scope = report.report_scope(req.db, team_id=req.team_id, person=actor)
    zone = workspace_timezone(req.db, team_id=req.team_id, default=req.default_zone)
    period = parse_period(" ".join(rest), now().astimezone(ZoneInfo(zone)).date()) if rest else None
    since, until = period.bounds(zone) if period else (None, None)
    request = ExportRequest(
        kind.name,
        team_id=req.team_id,
        since=since,
        until=until,
        workflow_ids=tuple(sorted(scope)) if scope is not None else None,
        default_zone=zone,
        # Need to know: the council reads every escalation's words, others only their own.
        reader=None if actor.id in council.member_ids(req.db, team_id=req.team_id) else actor.id,
    )
    made = export_file(
        req.db, request, fmt, label=period.key if period else "all", max_rows=MAX_ROWS
    )
    report.record_export(
        req.db,
        team_id=req.team_id,
        actor=actor.id,
        kind=kind.name,
        period=period.key if period else None,
        rows=made.rows,
    )
    what = f"{kind.name}, {period.label if period else 'all time'}"
    mine = " (your workflows)" if scope is not None else ""
    req.reply(
        f":inbox_tray: Sending `{made.filename}` ({made.rows:,} rows) to your DM.",
        then=partial(
            send_to_dm,
            req.client,
            user_id=actor.id,
            made=made,
            title=f"Cadence export: {what}",
            comment=f"Your export of {what}{mine}: {made.rows:,} rows.",
        ),
    )


def send_to_dm(
    client: WebClient, *, user_id: str, made: ExportFile, title: str, comment: str
) -> None:
    """Share the file in the bot's DM with the person; a refusal is explained to them."""
    channel = str(client.conversations_open(users=user_id)["channel"]["id"])
    try:
        upload_file(
            client,
            content=made.content,
            filename=made.filename,
            title=title,
            channel_id=channel,
            initial_comment=comment,
        )
    except UploadRefused as refused:
        raise InvalidInput(
            f"Slack refused the file ({refused.reason}), so the export did not reach your DM. "
            "Cadence needs the `files:write` scope: ask an admin to reinstall the app, then "
            "try again."
        ) from refused
