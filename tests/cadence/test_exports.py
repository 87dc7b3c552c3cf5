"""Exports: every kind in every format says the same thing, safely, on both backends."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, false, func
from sqlmodel import Session, select

from cadence.errors import InvalidInput
from cadence.evidence.exports import (
    ExportRequest,
    choose_columns,
    get_kind,
    parse_bound,
    stream_rows,
    workflow_ids_named,
)
from cadence.evidence.formats import ExportFormat, cell_text, md_cell, restore, write_rows
from cadence.evidence.kinds import KINDS
from storage.db import new_session
from storage.models import (
    ActionItem,
    AuditEvent,
    Decision,
    Escalation,
    EscalationEvent,
    ScorecardEntry,
    Vote,
)
from tests.cadence.evidence_data import AWKWARD, FORMULA, OTHER_TEAM, TEAM, seed_record

TABLES = {"decisions": Decision, "escalations": Escalation, "actions": ActionItem,
          "scorecards": ScorecardEntry, "votes": Vote, "audit": AuditEvent}  # fmt: skip


@pytest.fixture
def record(any_engine: Engine) -> tuple[Session, dict[str, int]]:
    db = new_session(any_engine)
    ids = seed_record(db)
    yield db, ids
    db.close()


def export(db: Session, fmt: ExportFormat, **request: object) -> str:
    req = ExportRequest(**{"default_zone": "UTC", **request})  # type: ignore[arg-type]
    names = choose_columns(get_kind(req.kind), req.columns)
    out = io.StringIO(newline="")
    write_rows(stream_rows(db, req), names, fmt, out)
    return out.getvalue()


def json_rows(db: Session, **request: object) -> list[dict]:
    return [json.loads(line) for line in export(db, ExportFormat.JSON, **request).splitlines()]


def markdown_rows(text: str) -> list[list[str]]:
    lines = text.splitlines()
    cells = [re.split(r"(?<!\\)\|", line)[1:-1] for line in lines]
    return [[c.strip().replace("\\|", "|").replace("\\\\", "\\") for c in row] for row in cells]


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_format_of_every_kind_round_trips_to_the_same_rows(record, kind):
    db, _ = record
    rows = json_rows(db, kind=kind)
    columns = get_kind(kind).column_names
    expected = [[cell_text(row[c]) for c in columns] for row in rows]

    text = export(db, ExportFormat.CSV, kind=kind)
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read[0] == columns
    assert [[restore(cell) for cell in row] for row in read[1:]] == expected
    assert text.endswith("\r\n") and "\r\n" in text.removesuffix("\r\n")  # RFC 4180 records

    table = markdown_rows(export(db, ExportFormat.MD, kind=kind))
    assert table[0] == columns and set(table[1]) == {"---"}
    assert table[2:] == [[md_cell(cell).replace("\\|", "|").replace("\\\\", "\\")
                          for cell in row] for row in expected]  # fmt: skip

    if kind == "gaps":
        count = db.exec(select(func.count()).select_from(EscalationEvent)
                        .where(EscalationEvent.authorized == false())).one()  # fmt: skip
    else:
        count = db.exec(select(func.count()).select_from(TABLES[kind])).one()
    assert len(rows) == count == len(AWKWARD)


def test_awkward_text_survives_every_format_exactly(record):
    db, _ = record
    summaries = [row["summary"] for row in json_rows(db, kind="escalations")]
    read = list(csv.DictReader(io.StringIO(export(db, ExportFormat.CSV, kind="escalations"))))

    assert summaries == AWKWARD
    assert [restore(row["summary"]) for row in read] == AWKWARD


def test_a_formula_looking_cell_is_neutralised_but_numbers_are_not(record):
    db, _ = record
    text = export(db, ExportFormat.CSV, kind="escalations", columns=("summary",))
    cells = [row[0] for row in csv.reader(io.StringIO(text))][1:]

    assert cells[0] == "'" + FORMULA
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    assert (
        cells[1].startswith("'+1")
        and cells[2].startswith("'-40%")
        and cells[3] == "'@channel please look"
    )
    assert cells[4] == "''already quoted"  # a leading quote is doubled, so it reads back as typed
    assert cells[5] == 'Comma, "quotes" and a | pipe'  # plain text is left alone
    values = [
        r["value"]
        for r in csv.DictReader(io.StringIO(export(db, ExportFormat.CSV, kind="scorecards")))
    ]
    assert values[0] == "-0.5"  # a negative number is a number, not a formula


def test_times_are_utc_with_the_workspace_local_time_beside_them(record):
    db, _ = record
    rows = json_rows(db, kind="decisions", columns=("decided_at", "decided_at_local", "workflow"))

    first = rows[0]
    assert first["decided_at"] == "2026-11-02T10:00:00Z"
    assert first["decided_at_local"] == "2026-11-02T11:00:00+01:00"  # the team's Paris zone
    other = next(r for r in json_rows(db, kind="decisions", team_id=OTHER_TEAM))
    assert other["decided_at_local"].endswith("+00:00")  # no settings: the default zone


def test_filters_by_local_days_workflow_and_workspace(record):
    db, ids = record
    since = parse_bound("2026-11-05", "Europe/Paris", end=False)
    until = parse_bound("2026-11-11", "Europe/Paris", end=True)
    rows = json_rows(db, kind="escalations", since=since, until=until)
    assert since == datetime(2026, 11, 4, 23, 0, tzinfo=UTC)
    assert until == datetime(2026, 11, 11, 23, 0, tzinfo=UTC)
    # Seeded every 3 days (+1 h each) from 2 Nov 09:00 UTC: the 5th, 8th and 11th are inside.
    assert [r["raised_at"][:10] for r in rows] == ["2026-11-05", "2026-11-08", "2026-11-11"]

    named = workflow_ids_named(db, name="support RESOLUTION", team_id=TEAM)
    assert named == (ids["support"],)
    assert set(workflow_ids_named(db, name="Support resolution", team_id=None)) == {
        ids["support"], ids["other"]}  # fmt: skip
    only = json_rows(db, kind="actions", workflow_ids=named)
    assert {r["workflow"] for r in only} == {"Support resolution"} and len(only) == 3
    team_rows = json_rows(db, kind="audit", team_id=TEAM)
    assert len(team_rows) == 6 and all(r["workflow"] != "" for r in team_rows)


def test_columns_come_in_the_order_asked(record):
    db, _ = record
    text = export(db, ExportFormat.CSV, kind="votes", columns=("voter", "cast_at_local", "choice"))

    assert text.splitlines()[0] == "voter,cast_at_local,choice"
    assert text.splitlines()[1].startswith("U0,2026-11-02T10:00:00+01:00,pause")


def test_paging_by_key_returns_every_row_once_whatever_the_page_size(record):
    db, _ = record
    whole = json_rows(db, kind="audit")
    paged = [*stream_rows(db, ExportRequest("audit", page=3))]

    assert paged == whole and len({r["event_id"] for r in paged}) == len(AWKWARD)


def test_unknown_kind_column_workflow_or_date_is_a_clear_error(record):
    db, _ = record
    with pytest.raises(InvalidInput, match=r"no export kind 'decision'.*decisions, escalations"):
        get_kind("decision")
    with pytest.raises(InvalidInput, match=r"decisions has no column 'bogus'.*decided_at_local"):
        choose_columns(get_kind("decisions"), ("choice", "bogus"))
    with pytest.raises(
        InvalidInput, match=r"No workflow is called 'Suport resolution'\. Did you mean"
    ):
        workflow_ids_named(db, name="Suport resolution", team_id=TEAM)
    with pytest.raises(InvalidInput, match="not a date"):
        parse_bound("last tuesday", "UTC", end=False)


def test_markdown_cells_escape_pipes_and_keep_one_line_per_row():
    assert md_cell("a | b") == "a \\| b"
    assert md_cell("one\ntwo") == "one<br>two"
