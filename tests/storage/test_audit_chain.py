"""The audit log is a hash chain per workspace, written with the change it records, one link at a
time even under concurrent writers, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import col, select

from cadence import audit
from storage.audit_chain import GENESIS, canonical_content, link_hash
from storage.audit_verify import verify_chain
from storage.db import new_session, session_scope
from storage.migrate import alembic_config, upgrade
from storage.models import AuditChainHead, AuditEvent

TEAM, OTHER = "T0TEAM", "T0OTHER"
MOMENT = datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC)


def record(engine: Engine, team: str = TEAM, **detail: object) -> int:
    """One audited change, committed; its row id."""
    with session_scope(engine) as db:
        return audit.record(db, team_id=team, actor="UADMIN", action="owner.assigned", **detail).id


def chain(engine: Engine, team: str) -> list[AuditEvent]:
    with new_session(engine) as db:
        query = select(AuditEvent).where(AuditEvent.team_id == team).order_by(col(AuditEvent.seq))
        return list(db.exec(query).all())


def content(**changes: object) -> bytes:
    fields: dict = {
        "team_id": TEAM, "seq": 1, "workflow_id": 7, "actor": "UADMIN", "action": "vote",
        "detail": {"choice": "pause", "previous": None}, "created_at": MOMENT,
    }  # fmt: skip
    return canonical_content(**{**fields, **changes})


def test_each_row_links_to_the_one_before_in_its_own_workspace(any_engine):
    for n in range(3):
        record(any_engine, TEAM, n=n, note="café ✓")
        record(any_engine, OTHER, n=n)
    for team in (TEAM, OTHER):
        rows = chain(any_engine, team)
        assert [r.seq for r in rows] == [1, 2, 3]
        assert [r.prev_hash for r in rows] == [GENESIS, rows[0].hash, rows[1].hash]
        assert len({r.hash for r in rows}) == 3 and all(len(r.hash) == 64 for r in rows)
    with new_session(any_engine) as db:
        result = verify_chain(db)
        head = db.get(AuditChainHead, TEAM)
    assert (result.ok, result.rows) == (True, 6), result.problem
    assert (head.seq, head.hash) == (3, chain(any_engine, TEAM)[-1].hash)


def test_the_hash_covers_every_field_and_not_how_it_was_spelled():
    base = link_hash(GENESIS, content())
    for change in (
        {"seq": 2}, {"team_id": OTHER}, {"workflow_id": None}, {"actor": "UEVE"},
        {"action": "vote.changed"}, {"detail": {"choice": "stop", "previous": None}},
        {"created_at": MOMENT + timedelta(microseconds=1)},
    ):  # fmt: skip
        assert link_hash(GENESIS, content(**change)) != base, change
    assert link_hash("f" * 64, content()) != base, "the previous row's hash is covered"
    paris = MOMENT.astimezone(timezone(timedelta(hours=1)))
    same = content(detail={"previous": None, "choice": "pause"}, created_at=paris)
    assert link_hash(GENESIS, same) == base, "key order and time zone are not content"


def test_the_hash_of_a_row_is_the_same_once_read_back(any_engine):
    record(any_engine, choice="pause", ids=(1, 2), nested={"b": [1.5, None], "a": "ü"})
    [row] = chain(any_engine, TEAM)
    recomputed = link_hash(
        row.prev_hash,
        canonical_content(
            team_id=row.team_id, seq=row.seq, workflow_id=row.workflow_id, actor=row.actor,
            action=row.action, detail=row.detail, created_at=row.created_at,
        ),
    )  # fmt: skip
    assert recomputed == row.hash


def test_concurrent_writers_extend_the_chain_one_link_at_a_time(any_engine):
    writers, each = 4, 10
    errors: list[BaseException] = []

    def write(offset: int) -> None:
        try:
            for n in range(each):
                with session_scope(any_engine) as db:  # two rows per transaction
                    audit.record(db, team_id=TEAM, actor=f"U{offset}", action="a", n=n)
                    audit.record(db, team_id=TEAM, actor=f"U{offset}", action="b", n=n)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors[0]
    rows = chain(any_engine, TEAM)
    assert [r.seq for r in rows] == list(range(1, writers * each * 2 + 1))
    ids = [r.id for r in rows]
    assert ids == sorted(ids), "the chain runs in the order rows were written"
    with new_session(any_engine) as db:
        result = verify_chain(db)
    assert (result.ok, result.rows) == (True, writers * each * 2), result.problem


def test_a_change_and_its_audit_row_commit_or_roll_back_together(any_engine):
    record(any_engine)
    db = new_session(any_engine)
    audit.record(db, team_id=TEAM, actor="UEVE", action="rolled.back")
    db.rollback()
    db.close()
    record(any_engine)
    assert [r.action for r in chain(any_engine, TEAM)] == ["owner.assigned"] * 2
    with new_session(any_engine) as db:
        assert verify_chain(db).ok


def test_the_migration_links_rows_written_before_it(any_engine):
    command.downgrade(alembic_config(any_engine), "0003")  # before the chain existed
    with any_engine.begin() as connection:
        for n, team in enumerate([TEAM, OTHER, TEAM, TEAM, OTHER]):
            connection.execute(
                text(
                    "INSERT INTO audit_event (team_id, actor, action, detail, created_at) "
                    "VALUES (:team, 'UADMIN', 'owner.assigned', :detail, :at)"
                ),
                {"team": team, "detail": f'{{"n": {n}}}', "at": MOMENT + timedelta(minutes=n)},
            )
    upgrade(any_engine)
    assert [(r.seq, r.detail) for r in chain(any_engine, TEAM)] == [
        (1, {"n": 0}), (2, {"n": 2}), (3, {"n": 3}),
    ]  # fmt: skip
    record(any_engine, TEAM, n=5)  # new rows continue the chain
    assert chain(any_engine, TEAM)[-1].seq == 4
    with new_session(any_engine) as db:
        result = verify_chain(db)
    assert (result.ok, result.rows) == (True, 6), result.problem
