"""Exports of the record: rows of one kind, filtered, streamed page by page (keyset paging)."""

from __future__ import annotations

import difflib
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date
from sqlmodel import Session, col, select

from cadence.accountability.workflows import name_key
from cadence.errors import InvalidInput
from cadence.escalations.visibility import WITHHELD
from cadence.evidence.formats import ExportFormat, write_rows
from cadence.evidence.kinds import KINDS, Kind, Secret
from storage.models import AuditEvent, Workflow, WorkspaceSettings
from storage.types import UTCDateTime

PAGE = 2000  # rows per query: memory stays flat however many rows there are


@dataclass(frozen=True)
class ExportRequest:
    """What to export: a kind, an optional workspace, time window, workflows and columns."""

    kind: str
    team_id: str | None = None
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC
    workflow_ids: tuple[int, ...] | None = None
    columns: tuple[str, ...] | None = None
    default_zone: str = "UTC"
    page: int = field(default=PAGE, compare=False)
    # Who reads it, when not everything may be shown (a Slack export by someone outside the
    # council); None: everything (the council, or an operator at the command line).
    reader: str | None = None
    # Keyset cursor: only rows whose key is greater (the last key of the previous page).
    after: int | None = None


def get_kind(name: str) -> Kind:
    """The export kind called `name`, or InvalidInput listing the kinds there are."""
    kind = KINDS.get(name.strip().lower())
    if kind is None:
        raise InvalidInput(f"There is no export kind {name!r}. Kinds: {', '.join(KINDS)}.")
    return kind


def choose_columns(kind: Kind, wanted: tuple[str, ...] | None) -> list[str]:
    """The columns asked for (all by default), or InvalidInput naming those that don't exist."""
    if not wanted:
        return kind.column_names
    unknown = [name for name in wanted if name not in kind.column_names]
    if unknown:
        raise InvalidInput(
            f"{kind.name} has no column {', '.join(repr(n) for n in unknown)}. "
            f"Columns: {', '.join(kind.column_names)}."
        )
    return list(wanted)


def parse_bound(text: str, timezone: str, *, end: bool) -> datetime:
    """A --since / --until value as a UTC moment.

    A date means midnight in the workspace zone; as an end it is inclusive (the day is kept,
    so the bound is the next midnight). A date and time without an offset is local too.
    """
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value) + timedelta(days=1 if end else 0)
            moment = datetime.combine(day, time(), tzinfo=ZoneInfo(timezone))
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a date: use YYYY-MM-DD (or an ISO 8601 date and time)."
        ) from None
    return moment.astimezone(UTC)


def workflow_ids_named(db: Session, *, name: str, team_id: str | None) -> tuple[int, ...]:
    """Every workflow, archived ones too, ever called `name` (any case), or InvalidInput."""
    query = select(Workflow.id, Workflow.name_key, Workflow.name)
    if team_id is not None:
        query = query.where(Workflow.team_id == team_id)
    rows = db.exec(query).all()
    ids = tuple(wid for wid, key, _ in rows if key == name_key(name) and wid is not None)
    if ids:
        return ids
    names = sorted({n for _, _, n in rows})
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(n) for n in close)}?" if close else ""
    raise InvalidInput(f"No workflow is called {name!r}.{hint}", field="workflow")


def zone_lookup(db: Session, *, default_zone: str) -> Callable[[str | None], str]:
    """Each workspace's time zone (its settings, else the default), by team id."""
    zones = dict(db.exec(select(WorkspaceSettings.team_id, WorkspaceSettings.timezone)).all())
    return lambda team_id: zones.get(team_id or "", default_zone)


def workspaces(db: Session) -> list[str]:
    """Every workspace the record holds (its workflows and its audit log), sorted."""
    teams = set(db.exec(select(Workflow.team_id).distinct()).all())
    teams |= set(db.exec(select(AuditEvent.team_id).distinct()).all())
    return sorted(team for team in teams if team)


def require_one_workspace(db: Session) -> None:
    """Refuse to mix workspaces silently: with several in the database, one must be chosen."""
    teams = workspaces(db)
    if len(teams) > 1:
        shown = ", ".join(teams[:10]) + (", …" if len(teams) > 10 else "")
        raise InvalidInput(
            f"This database holds {len(teams)} workspaces ({shown}): choose one with "
            "--team TEAM_ID (or --team all for every workspace's rows together).",
            field="team",
        )


def export_timezone(db: Session, *, team_id: str | None, default_zone: str) -> str:
    """The zone dates are read in: the workspace's, or the default with no single workspace."""
    if team_id is None:
        teams = db.exec(select(Workflow.team_id).distinct()).all()
        team_id = teams[0] if len(teams) == 1 else None
    return zone_lookup(db, default_zone=default_zone)(team_id)


def stream_rows(db: Session, request: ExportRequest) -> Iterator[dict[str, Any]]:
    """The rows, oldest first, one page of `request.page` rows in memory at a time."""
    return stream_kind_rows(db, get_kind(request.kind), request)


def stream_kind_rows(db: Session, kind: Kind, request: ExportRequest) -> Iterator[dict[str, Any]]:
    """The rows of `kind` (an export kind, or another listing built the same way), oldest
    first, after `request.after` when given."""
    names = choose_columns(kind, request.columns)
    stored = [n for n in names if n in kind.columns]
    when = kind.columns[kind.time]
    secret = kind.secret if request.reader is not None else None
    hidden = [secret.flag, *secret.people] if secret is not None else []
    query = kind.base(
        [kind.key.label("_key"), kind.team.label("_team"), when.label("_time")]
        + [kind.columns[n].label(n) for n in stored]
        + [c.label(f"_secret{i}") for i, c in enumerate(hidden)]
    )
    if request.team_id is not None:
        query = query.where(kind.team == request.team_id)
    if request.since is not None:
        query = query.where(when >= request.since)
    if request.until is not None:
        query = query.where(when < request.until)
    if request.workflow_ids is not None:
        query = query.where(col(kind.workflow).in_(request.workflow_ids))
    zone_of = zone_lookup(db, default_zone=request.default_zone)
    convert = [
        _converter(kind, name, 3 + stored.index(name) if name in stored else -1, zone_of)
        for name in names
    ]
    connection = db.connection()  # core rows: no ORM bookkeeping per row
    last: Any = request.after
    while True:
        page = query if last is None else query.where(kind.key > last)
        rows = connection.execute(page.order_by(kind.key).limit(request.page)).all()
        for row in rows:
            values = dict(zip(names, [f(row) for f in convert], strict=True))
            yield _withhold(values, row[3 + len(stored) :], secret, request.reader)
        if len(rows) < request.page:
            return
        last = rows[-1][0]


Converter = Callable[[Any], Any]


def _withhold(
    values: dict[str, Any], extra: Any, secret: Secret | None, reader: str | None
) -> dict[str, Any]:
    """A confidential escalation's words replaced by WITHHELD, unless `reader` may read them."""
    if secret is None or not extra[0] or reader in extra[1:]:
        return values
    return {k: WITHHELD if k in secret.withheld and v is not None else v for k, v in values.items()}


def _converter(
    kind: Kind, name: str, index: int, zone_of: Callable[[str | None], str]
) -> Converter:
    """How one column's value is read from a result row (chosen once, not per row)."""
    if index < 0:  # the local-time column beside the kind's time

        def local(row: Any) -> str | None:
            return None if row[2] is None else iso_local(row[2], zone_of(row[1]))

        return local
    column_type = kind.columns[name].type
    if isinstance(column_type, UTCDateTime):
        return lambda row: None if row[index] is None else iso_utc(row[index])
    if isinstance(column_type, Date):
        return lambda row: None if row[index] is None else row[index].isoformat()
    return lambda row: row[index]


def iso_utc(moment: datetime) -> str:
    """'2026-11-23T09:00:00Z'."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def iso_local(moment: datetime, timezone: str) -> str:
    """'2026-11-23T10:00:00+01:00' in the workspace's zone."""
    return moment.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ExportFile:
    """An export made into one file, to hand to a person."""

    filename: str
    content: bytes
    rows: int


def export_file(
    db: Session, request: ExportRequest, fmt: ExportFormat, *, label: str, max_rows: int
) -> ExportFile:
    """The whole export as one file's bytes, or InvalidInput when it has more than `max_rows`."""
    names = choose_columns(get_kind(request.kind), request.columns)
    out = io.StringIO(newline="")
    rows = itertools.islice(stream_rows(db, request), max_rows + 1)
    count = write_rows(rows, names, fmt, out)
    if count > max_rows:
        raise InvalidInput(
            f"That export has more than {max_rows:,} rows: pick a shorter period, or ask an "
            "operator to run `cadence-bot export`."
        )
    encoding = "utf-8-sig" if fmt is ExportFormat.CSV else "utf-8"
    filename = f"cadence-{request.kind}-{label}{fmt.suffix}"
    return ExportFile(filename, out.getvalue().encode(encoding), count)
