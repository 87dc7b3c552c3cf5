"""A consistent copy of a live SQLite database, made with SQLite's online backup API."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import SQLITE_BUSY_TIMEOUT_MS

PG_DUMP_ADVICE = """\
Cadence does not copy PostgreSQL itself: use PostgreSQL's own tools, which copy a live database
consistently (one snapshot) without stopping Cadence:

    pg_dump --format=custom --file=cadence.dump "postgresql://USER@HOST:5432/DBNAME"

and to restore into an empty database:

    pg_restore --dbname="postgresql://USER@HOST:5432/NEWDB" --no-owner cadence.dump

Then run `cadence-bot audit verify` against the restored database. For point-in-time recovery,
use continuous archiving (WAL archiving) or your provider's snapshots."""


class BackupRefused(Exception):
    """The backup cannot be made as asked (a message for the operator)."""


@dataclass(frozen=True)
class BackupResult:
    """What was copied where."""

    source: Path
    target: Path
    bytes: int


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite DATABASE_URL; None for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupRefused("DATABASE_URL names no SQLite file to back up.")
    return Path(url.database).expanduser().resolve()


def backup_sqlite(source: Path, target: Path) -> BackupResult:
    """Copy `source` to `target` as of one moment, while Cadence keeps writing to it.

    The copy is made in one step of the backup API (a single read transaction, which in WAL
    mode does not hold writers back), into a temporary file renamed into place when complete,
    so `target` is never a half-written database. An existing `target` is never overwritten.
    """
    if not source.is_file():
        raise BackupRefused(f"There is no database at {source}.")
    target = target.expanduser().resolve()
    if target.exists():
        raise BackupRefused(f"{target} already exists; a backup never overwrites a file.")
    if not target.parent.is_dir():
        raise BackupRefused(f"The folder {target.parent} does not exist.")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    live = sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        copy = sqlite3.connect(partial)
        try:
            live.backup(copy)  # pages=-1: everything in one step, one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            copy.close()
    finally:
        live.close()
    os.replace(partial, target)
    return BackupResult(source, target, target.stat().st_size)
