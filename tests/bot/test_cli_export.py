"""`cadence-bot export` as an operator runs it: files, stdout, filters and clear refusals."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bot.cli import main
from cadence.evidence.formats import restore
from storage.db import make_engine, new_session
from storage.migrate import upgrade
from tests.cadence.evidence_data import AWKWARD, FORMULA, seed_record


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cadence.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with new_session(engine) as db:
        seed_record(db)
    engine.dispose()
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CADENCE_TIMEZONE", "America/New_York")
    return path


def test_csv_file_opens_in_a_spreadsheet_with_formulas_neutralised(database, tmp_path, capsys):
    target = tmp_path / "escalations.csv"

    assert main(["export", "escalations", "--team", "all", "--output", str(target)]) == 0

    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for spreadsheets
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [restore(r["summary"]) for r in rows] == AWKWARD
    assert rows[0]["summary"] == "'" + FORMULA
    assert "Exported 8 escalations row(s)" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".escalations.csv")]


def test_json_lines_to_stdout_filtered_by_workflow_team_and_local_dates(database, capsys):
    code = main(["export", "decisions", "--format", "json", "--workflow", "renewal risk",
                 "--team", "all",
                 "--since", "2026-11-01", "--until", "2026-11-14",
                 "--columns", "workflow,decided_at_local,rationale"])  # fmt: skip

    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # Renewal risk has the 2nd, 5th and 8th seeded rows (5, 14 and 23 Nov): two are inside;
    # shown in its workspace's zone (Paris), filtered in CADENCE_TIMEZONE (two workspaces).
    assert rows == [
        {"workflow": "Renewal risk", "decided_at_local": "2026-11-05T12:00:00+01:00",
         "rationale": AWKWARD[1]},
        {"workflow": "Renewal risk", "decided_at_local": "2026-11-14T15:00:00+01:00",
         "rationale": AWKWARD[4]},
    ]  # fmt: skip


def test_markdown_table_to_stdout(database, capsys):
    assert main(["export", "gaps", "--format", "md", "--columns", "event_id,summary",
                 "--team", "all"]) == 0  # fmt: skip

    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["| event_id | summary |", "| --- | --- |"]
    assert lines[7] == '| 11 | Comma, "quotes" and a \\| pipe |'
    assert len(lines) == 2 + len(AWKWARD)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "decision"], "There is no export kind 'decision'. Kinds: decisions,"),
        (["export", "votes", "--columns", "voter,mood"], "votes has no column 'mood'. Columns:"),
        (["export", "actions", "--workflow", "Nope"], "No workflow is called 'Nope'."),
        (["export", "audit", "--since", "yesterday"], "'yesterday' is not a date"),
        # Two workspaces in the database: which one is not guessed, nor both mixed silently.
        (["export", "votes"], "This database holds 2 workspaces (T0OTHER, T0TEAM): choose one"),
    ],
)
def test_a_bad_request_exits_2_with_a_clear_message(database, capsys, args, message):
    assert main(args) == 2

    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.out == ""


def test_an_unknown_format_is_refused_by_the_parser_with_exit_2(database, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["export", "decisions", "--format", "xlsx"])

    assert exited.value.code == 2
    assert "invalid choice: 'xlsx'" in capsys.readouterr().err
