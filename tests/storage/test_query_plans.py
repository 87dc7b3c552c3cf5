"""Hot-path queries are answered from indexes, never by scanning history (issue 7, benchmark 4).

Each query is run on an empty database while the exact SQL and parameters the driver receives
are captured, then explained: SQLite's EXPLAIN QUERY PLAN must SEARCH with an index, and
PostgreSQL (sequential scans switched off, so an index is used whenever one can serve) must
show no Seq Scan.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from bot import outbox_rows
from bot.delivery import OutboxDeliverer
from storage.db import new_session
from storage.models import ActionItem, Escalation, GovernanceSession, Vote

Query = Callable[[Engine], None]


def _read(statement: object) -> Query:
    def run(engine: Engine) -> None:
        with new_session(engine) as db:
            db.exec(statement).all()  # type: ignore[call-overload]

    return run


def _due_outbox(engine: Engine) -> None:
    """The deliverer's own query for due rows."""
    outbox_rows.due_rows(engine, limit=100, held_back=set())


def _next_due(engine: Engine) -> None:
    """The worker's question after every pass: when is the next row due?"""
    OutboxDeliverer(
        engine, WebClient(token="xoxb-x", base_url="http://127.0.0.1:9/")
    ).seconds_until_due()


HOT_PATHS: dict[str, tuple[str, Query]] = {
    "due outbox rows": ("outbox_message", _due_outbox),
    "when the next outbox row is due": ("outbox_message", _next_due),
    "open escalations by owner": ("escalation", _read(
        select(Escalation).where(Escalation.routed_to == "UMARIA", Escalation.status == "open")
    )),
    "sessions by team and week": ("governance_session", _read(
        select(GovernanceSession).where(
            GovernanceSession.team_id == "T0001", GovernanceSession.week_start == date(2026, 11, 23)
        )
    )),
    "votes of a session": ("vote", _read(select(Vote).where(Vote.session_id == 1))),
    "open action items by due date": ("action_item", _read(
        select(ActionItem)
        .where(ActionItem.status == "open", col(ActionItem.due_on) <= date(2026, 11, 23))
        .order_by(col(ActionItem.due_on))
    )),
}  # fmt: skip


def captured(engine: Engine, query: Query, table: str) -> tuple[str, object]:
    """The statement (and parameters) the driver received for the query's read of `table`."""
    seen: list[tuple[str, object]] = []

    def note(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        query(engine)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert seen, f"the query never read {table}"
    return seen[0]


def plan(db: Session, engine: Engine, statement: str, parameters: object) -> list[str]:
    """The query plan, one line per step."""
    connection = db.connection()
    if engine.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return [str(row[-1]) for row in rows]
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
    return [str(row[0]) for row in rows]


@pytest.mark.parametrize("name", list(HOT_PATHS))
def test_hot_path_query_uses_an_index(any_engine, name):
    table, query = HOT_PATHS[name]
    statement, parameters = captured(any_engine, query, table)
    with new_session(any_engine) as db:
        steps = plan(db, any_engine, statement, parameters)
    shown = "\n".join(steps)
    if any_engine.dialect.name == "sqlite":
        on_table = [s for s in steps if f" {table} " in f" {s} "]
        assert on_table, shown
        assert all(s.startswith("SEARCH") and "INDEX" in s for s in on_table), shown
    else:
        assert "Seq Scan" not in shown, shown
        assert "Index" in shown, shown
