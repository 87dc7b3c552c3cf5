"""A session on each backend for storage tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from storage.db import new_session


@pytest.fixture
def any_db(any_engine: Engine) -> Iterator[Session]:
    """A session on the migrated SQLite or PostgreSQL database of this test."""
    session = new_session(any_engine)
    yield session
    session.close()
