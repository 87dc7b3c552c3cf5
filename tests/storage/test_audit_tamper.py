"""Rewriting the audit log by hand is noticed: verification names the first row edited, deleted
or inserted out of order (SQLite, where nothing stops the hand); PostgreSQL refuses the edit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from storage.audit_chain import canonical_content, link_hash
from storage.audit_verify import verify_chain
from storage.db import new_session
from storage.migrate import upgrade
from tests.conftest import POSTGRES_URL, _fresh_postgres
from tests.storage.test_audit_chain import MOMENT, OTHER, TEAM, chain, record


def five_rows(engine: Engine) -> list[int]:
    """Five audited changes in TEAM (and one elsewhere, which must not be blamed)."""
    ids = [record(engine, TEAM, n=n) for n in range(5)]
    record(engine, OTHER, n=0)
    return ids


def problem(engine: Engine) -> str:
    with new_session(engine) as db:
        result = verify_chain(db)
    assert not result.ok, "the tampering went unnoticed"
    assert result.problem is not None
    return result.problem


def execute(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def forge(engine: Engine, *, row_id: int, seq: int, prev_hash: str, move_head: bool) -> None:
    """Insert a row whose hash is right for its content, as a careful forger would."""
    detail = '{"n": 99}'
    digest = link_hash(
        prev_hash,
        canonical_content(
            team_id=TEAM, seq=seq, workflow_id=None, actor="UEVIL", action="decision.recorded",
            detail={"n": 99}, created_at=MOMENT,
        ),
    )  # fmt: skip
    execute(
        engine,
        "INSERT INTO audit_event (id, team_id, workflow_id, actor, action, detail, created_at, "
        "seq, prev_hash, hash) VALUES (:id, :team, NULL, 'UEVIL', 'decision.recorded', :detail, "
        ":at, :seq, :prev, :hash)",
        id=row_id, team=TEAM, detail=detail, seq=seq, prev=prev_hash, hash=digest,
        at=MOMENT.replace(tzinfo=None).isoformat(sep=" "),
    )  # fmt: skip
    if move_head:
        execute(engine, "UPDATE audit_chain_head SET seq = :seq, hash = :hash WHERE team_id = :t",
                seq=seq, hash=digest, t=TEAM)  # fmt: skip


def test_an_untouched_log_verifies(engine):
    five_rows(engine)
    with new_session(engine) as db:
        result = verify_chain(db)
    assert (result.ok, result.rows) == (True, 6)
    assert [(h.team_id, h.seq) for h in result.heads] == [(OTHER, 1), (TEAM, 5)]


def test_an_edited_row_is_named(engine):
    ids = five_rows(engine)
    execute(engine, "UPDATE audit_event SET actor = 'UEVIL' WHERE id = :id", id=ids[2])
    assert problem(engine).startswith(f"audit row {ids[2]} (#3 of workspace {TEAM}")
    assert "was edited" in problem(engine)


def test_an_edited_detail_is_named(engine):
    ids = five_rows(engine)
    execute(engine, """UPDATE audit_event SET detail = '{"n": 7}' WHERE id = :id""", id=ids[1])
    assert f"audit row {ids[1]} " in problem(engine) and "was edited" in problem(engine)


def test_a_deleted_row_is_named_by_its_place_in_the_chain(engine):
    ids = five_rows(engine)
    execute(engine, "DELETE FROM audit_event WHERE id = :id", id=ids[2])
    assert problem(engine) == (
        f"audit row #3 of workspace {TEAM} was deleted: the chain goes from row {ids[1]} (#2) "
        f"to row {ids[3]} (#4)."
    )


def test_deleting_the_first_or_the_newest_rows_is_noticed(engine):
    ids = five_rows(engine)
    execute(engine, "DELETE FROM audit_event WHERE id IN (:a, :b)", a=ids[3], b=ids[4])
    assert problem(engine) == (
        f"audit rows #4 to #5 of workspace {TEAM} were deleted: the chain ends at #3 but #5 "
        "was written."
    )
    execute(engine, "DELETE FROM audit_event WHERE id = :id", id=ids[0])
    assert problem(engine).startswith(f"audit row #1 of workspace {TEAM} was deleted")


def test_a_row_inserted_after_the_chain_end_is_named(engine):
    five_rows(engine)
    last = chain(engine, TEAM)[-1]
    forge(engine, row_id=1000, seq=6, prev_hash=last.hash, move_head=False)
    assert problem(engine) == (
        f"audit row 1000 (#6 of workspace {TEAM}, decision.recorded by UEVIL) was inserted "
        "outside Cadence: the chain ends at #5."
    )


def test_a_row_slipped_in_before_older_ones_is_named_even_with_the_head_moved(engine):
    five_rows(engine)
    last = chain(engine, TEAM)[-1]
    forge(engine, row_id=0, seq=6, prev_hash=last.hash, move_head=True)  # an id before them all
    assert problem(engine) == (
        f"audit row 0 (#6 of workspace {TEAM}, decision.recorded by UEVIL) was inserted out of "
        f"order: it does not follow row {last.id} (#5) (one of them is not the original)."
    )


def test_a_row_replaced_in_place_is_named(engine):
    ids = five_rows(engine)
    rows = chain(engine, TEAM)
    execute(engine, "DELETE FROM audit_event WHERE id = :id", id=ids[2])
    forge(engine, row_id=ids[2], seq=3, prev_hash=rows[1].hash, move_head=False)
    # The forged #3 hashes right, but #4 still links to the original #3.
    assert problem(engine).startswith(f"audit row {ids[3]} (#4 of workspace {TEAM}")
    assert "inserted out of order" in problem(engine)


@pytest.fixture
def pg_engine(postgres_database) -> Iterator[Engine]:
    """A migrated PostgreSQL database (skipped where none is reachable)."""
    if postgres_database is None:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    engine = _fresh_postgres(postgres_database)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'UEVIL'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ],
)
def test_postgresql_refuses_to_change_or_remove_audit_rows(pg_engine, statement):
    five_rows(pg_engine)
    with pytest.raises(DBAPIError, match="audit_event is append-only"):
        execute(pg_engine, statement)
    record(pg_engine, TEAM, n=5)  # appending still works
    with new_session(pg_engine) as db:
        result = verify_chain(db)
    assert (result.ok, result.rows) == (True, 7)
