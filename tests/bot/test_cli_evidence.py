"""`cadence-bot audit verify` and `cadence-bot db backup`, run in-process as an operator would."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.cli import main
from cadence import audit
from storage.db import make_engine, session_scope
from storage.migrate import upgrade

TEAM = "T0TEAM"


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A migrated SQLite database named by DATABASE_URL (no .env file read)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cadence.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield engine
    engine.dispose()


def write(engine: Engine, n: int, *, start: int = 0) -> None:
    with session_scope(engine) as db:
        for i in range(start, start + n):
            audit.record(db, team_id=TEAM, actor="UADMIN", action="owner.assigned", n=i)


def test_verify_counts_the_rows_and_shows_each_chain_head(live, capsys):
    write(live, 3)
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("verified 3 rows\n")
    assert f"workspace {TEAM}: 3 rows, newest hash " in out


def test_verify_names_the_edited_row_and_exits_1(live, capsys):
    write(live, 4)
    with live.begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor = 'UEVIL' WHERE seq = 2"))
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        f"The audit log was tampered with: audit row 2 (#2 of workspace {TEAM}, "
        "owner.assigned by UEVIL) was edited"
    )
    assert "(1 rows before it verified.)" in out


def test_verify_asks_for_an_upgrade_on_an_old_database(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'old.db'}")
    assert main(["audit", "verify"]) == 2
    assert "run `cadence-bot db upgrade` first" in capsys.readouterr().err


def test_backup_of_a_live_database_is_consistent_and_verifies(live, tmp_path, monkeypatch, capsys):
    for start in range(0, 500, 100):
        write(live, 100, start=start)
    stop, written = threading.Event(), [0]

    def keep_writing() -> None:
        while not stop.is_set():
            write(live, 5, start=10_000 + written[0])
            written[0] += 5

    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()
    try:
        while written[0] < 20:  # the writer is busy before the backup starts...
            threading.Event().wait(0.01)
        copy = tmp_path / "backups" / "cadence-copy.db"
        copy.parent.mkdir()
        assert main(["db", "backup", str(copy)]) == 0
        after_backup = written[0]
        while written[0] < after_backup + 10:  # ...and was never held up for long by it
            threading.Event().wait(0.01)
    finally:
        stop.set()
        writer.join(30)
    assert f"to {copy}" in capsys.readouterr().out
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copied = connection.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    assert 500 + 20 <= copied <= 500 + written[0]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{copy}")
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.startswith(f"verified {copied} rows")
    assert not list(copy.parent.glob(".*partial")), "no half-written file is left behind"


def test_backup_never_overwrites(live, tmp_path, capsys):
    existing = tmp_path / "taken.db"
    existing.write_text("keep me")
    assert main(["db", "backup", str(existing)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert existing.read_text() == "keep me"


def test_backup_of_postgresql_explains_pg_dump(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql://cadence@db.example:5432/cadence")
    assert main(["db", "backup", str(tmp_path / "x.db")]) == 2
    captured = capsys.readouterr()
    assert "pg_dump --format=custom" in captured.out and "pg_restore" in captured.out
    assert "No backup was written." in captured.err
    assert not (tmp_path / "x.db").exists()
