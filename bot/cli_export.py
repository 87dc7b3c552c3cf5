"""`cadence-bot export KIND`: the record as CSV, JSON Lines or a Markdown table."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.config import load_zone_settings
from cadence.errors import InvalidInput
from cadence.evidence.exports import (
    ExportRequest,
    choose_columns,
    export_timezone,
    get_kind,
    parse_bound,
    require_one_workspace,
    stream_rows,
    workflow_ids_named,
)
from cadence.evidence.formats import ExportFormat, write_rows
from cadence.evidence.kinds import KINDS
from storage.db import make_engine, new_session

EXIT_USAGE = 2
ALL_TEAMS = "all"


def add_export_command(commands: Any) -> None:
    """Add `export` to the CLI's sub-commands."""
    export = commands.add_parser(
        "export",
        help="export decisions, escalations, actions, scorecards, votes, gaps or the audit log",
        description="Write the record as CSV (default), JSON Lines or a Markdown table. Dates "
        "are read in the workspace's time zone; --until is inclusive.",
    )
    export.add_argument("kind", metavar="KIND", help=f"one of: {', '.join(KINDS)}")
    export.add_argument("--format", choices=[f.value for f in ExportFormat], default="csv")
    export.add_argument("--since", metavar="DATE", help="from this day (YYYY-MM-DD), inclusive")
    export.add_argument("--until", metavar="DATE", help="to this day (YYYY-MM-DD), inclusive")
    export.add_argument("--workflow", metavar="NAME", help="only this workflow")
    export.add_argument(
        "--team",
        metavar="TEAM_ID",
        help="only this workspace (needed when the database holds several; 'all' for every one)",
    )
    export.add_argument("--columns", metavar="a,b,c", help="these columns, in this order")
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    export.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """Stream one kind of the record to stdout or a file; exit 2 on a bad request."""
    try:
        kind = get_kind(args.kind)
        columns = tuple(c.strip() for c in (args.columns or "").split(",") if c.strip())
        names = choose_columns(kind, columns or None)
    except InvalidInput as exc:
        print(f"cadence-bot export: {exc.user_message}", file=sys.stderr)
        return EXIT_USAGE
    settings = load_zone_settings()
    engine = make_engine(settings.database_url)
    fmt = ExportFormat(args.format)
    team = None if args.team == ALL_TEAMS else args.team
    try:
        with new_session(engine) as db:
            zone = export_timezone(db, team_id=team, default_zone=settings.cadence_timezone)
            request = ExportRequest(
                kind.name,
                team_id=team,
                since=parse_bound(args.since, zone, end=False) if args.since else None,
                until=parse_bound(args.until, zone, end=True) if args.until else None,
                workflow_ids=(
                    workflow_ids_named(db, name=args.workflow, team_id=team)
                    if args.workflow
                    else None
                ),
                columns=tuple(names),
                default_zone=settings.cadence_timezone,
            )
            if args.team is None:
                require_one_workspace(db)
            count = _write(stream_rows(db, request), names, fmt, args.output)
    except InvalidInput as exc:
        print(f"cadence-bot export: {exc.user_message}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        engine.dispose()
    where = args.output or "stdout"
    print(f"Exported {count} {kind.name} row(s) to {where}.", file=sys.stderr)
    return 0


def _write(rows: Any, names: list[str], fmt: ExportFormat, output: str | None) -> int:
    if output is None:
        return write_rows(rows, names, fmt, sys.stdout)
    target = Path(output)
    # A spreadsheet recognises UTF-8 by its byte-order mark; the file appears whole or not at all.
    encoding = "utf-8-sig" if fmt is ExportFormat.CSV else "utf-8"
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding=encoding, newline="") as out:
            count = write_rows(rows, names, fmt, out)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
