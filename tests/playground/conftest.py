"""A seeded playground workspace, made once per run and copied for each test that needs one
(starting from the copy is a restart: what the local Slack showed and the clock come back)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from playground.runtime import Options, Playground


@pytest.fixture(scope="session")
def seeded_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a freshly seeded playground.db and playground.state.json."""
    directory = tmp_path_factory.mktemp("seeding")
    playground = Playground(Options(directory=directory))
    try:
        playground.start()
    finally:
        playground.stop()
    # A thread of the stopped playground may still hold the database open, its last commits
    # then in playground.db-wal, not yet in playground.db: copying the one file would lose them
    # (the seeded escalation went missing so). SQLite's backup copies what is committed.
    seeded = tmp_path_factory.mktemp("seeded")
    with (
        closing(sqlite3.connect(directory / "playground.db")) as source,
        closing(sqlite3.connect(seeded / "playground.db")) as copy,
    ):
        source.backup(copy)
    shutil.copy(directory / "playground.state.json", seeded / "playground.state.json")
    return seeded


@pytest.fixture
def seeded(seeded_files: Path, tmp_path: Path) -> Iterator[Playground]:
    """A running playground started from a copy of the seeded workspace."""
    for name in ("playground.db", "playground.state.json"):
        shutil.copy(seeded_files / name, tmp_path / name)
    playground = Playground(Options(directory=tmp_path))
    playground.start()
    yield playground
    playground.stop()


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Playground]:
    """A running playground with people and channels but nothing of Cadence's."""
    playground = Playground(Options(directory=tmp_path, empty=True))
    playground.start()
    yield playground
    playground.stop()
