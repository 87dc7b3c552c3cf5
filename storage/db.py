"""The database engine and the one-session-per-unit-of-work helper."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Connections each process keeps open, and how many more it may open at a busy moment (closed
# again when returned). SQLAlchemy's default of 5 kept made a process with dozens of listener
# threads open and close a PostgreSQL connection (a server process) for most requests under
# load. A PostgreSQL server must allow replicas x WEB_CONCURRENCY x (both) connections (its
# default max_connections is 100: 2 workers of 2 replicas fit).
POOL_SIZE = 12
POOL_OVERFLOW = 12


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`: SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            echo=echo,
            pool_pre_ping=True,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            future=True,
        )
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    # SQLAlchemy pools connections to a database file; an in-memory one keeps one per thread.
    on_file = bool(database) and database != ":memory:" and parsed.query.get("mode") != "memory"
    sizes = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW} if on_file else {}
    engine = create_engine(
        url,
        echo=echo,
        **sizes,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def insert_if_absent(db: Session, model: type[SQLModel], *, key: list[str], **values: Any) -> bool:
    """Insert one row unless a row with the same `key` columns exists; True if inserted.

    One INSERT … ON CONFLICT DO NOTHING on both backends: no savepoint (which SQLite would
    commit early) and no race between two replicas checking first and inserting second.
    """
    table = model.__table__  # type: ignore[attr-defined]
    insert = sqlite_insert if db.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=key)
        .returning(table.c[key[0]])
    )
    return db.execute(statement).first() is not None


# Keys of Session.info read by the listeners below.
_ON_BEGIN = "cadence.on_begin"  # SQL run at the start of each transaction
AFTER_COMMIT = "cadence.after_commit"  # called with the session after each commit
AFTER_ROLLBACK = "cadence.after_rollback"  # called with the session after each rollback


class _Session(Session):
    """A Session whose per-transaction setup and hooks are kept in its `info`, read by
    listeners registered once for the class: every Slack request opens a session, and
    registering listeners on each new session cost more than its queries."""


@event.listens_for(_Session, "after_begin")
def _begin(db: Session, _transaction: Any, connection: Any) -> None:
    statement = db.info.get(_ON_BEGIN)
    if statement:
        connection.exec_driver_sql(statement)


@event.listens_for(_Session, "after_commit")
def _committed(db: Session) -> None:
    hook = db.info.get(AFTER_COMMIT)
    if hook is not None:
        hook(db)


@event.listens_for(_Session, "after_rollback")
def _rolled_back(db: Session) -> None:
    hook = db.info.get(AFTER_ROLLBACK)
    if hook is not None:
        hook(db)


def new_session(engine: Engine, *, lock_wait: float | None = None) -> Session:
    """A fresh session; objects stay readable after commit.

    `lock_wait`: the seconds a statement waits for a lock another writer holds before failing
    with OperationalError (SQLite's busy timeout, PostgreSQL's lock_timeout); by default
    SQLITE_BUSY_TIMEOUT_MS on SQLite and no limit on PostgreSQL. Hooks called after each
    commit or rollback go in `info` under AFTER_COMMIT and AFTER_ROLLBACK.
    """
    db = _Session(engine, expire_on_commit=False)
    dialect = engine.dialect.name
    if dialect == "sqlite" or (dialect == "postgresql" and lock_wait is not None):
        millis = SQLITE_BUSY_TIMEOUT_MS if lock_wait is None else int(lock_wait * 1000)
        # Per transaction: a pooled connection keeps whatever the previous session set.
        db.info[_ON_BEGIN] = (
            f"PRAGMA busy_timeout={millis}"
            if dialect == "sqlite"
            else f"SET LOCAL lock_timeout = {millis}"
        )
    return db


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit if the block succeeds, roll back if it raises, always close."""
    db = new_session(engine)
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()
