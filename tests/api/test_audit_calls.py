"""Every authenticated API call, reads included, is audited as `api.called` with the token's
name, method, path and status (never the body or the token); the chain still verifies when
reads and writes race on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.api.app import LOCK_WAIT_SECONDS
from bot.cli import main
from bot.jobs import JOBS, JobRuntime, run_job
from storage.db import make_engine
from storage.models import AuditEvent, AuditPending
from tests.api.helpers import SUPPORT, call, staffed_with_token
from tests.api.test_escalations import REPORT
from tests.bot.test_server import database_url  # noqa: F401  (the fixture, both backends)
from tests.conftest import RunningBot, _fresh_postgres, make_settings, running_bot


def api_calls(bot: RunningBot) -> list[AuditEvent]:
    with bot.session() as db:
        query = select(AuditEvent).where(AuditEvent.action == "api.called")
        return list(db.exec(query.order_by(AuditEvent.id)).all())


def test_a_read_leaves_one_audit_row_naming_its_token(bot):
    token = staffed_with_token(bot, "dashboard")
    before = api_calls(bot)
    url = f"{bot.api_url}/owners?workflow={SUPPORT.replace(' ', '%20')}"
    assert call(url, token=token).status == 200
    [row] = api_calls(bot)[len(before) :]
    assert row.actor == "api:dashboard" and row.team_id == "T0001"
    assert set(row.detail) == {"token_id", "method", "path", "status"}
    assert {k: row.detail[k] for k in ("method", "path", "status")} == {
        "method": "GET", "path": "/api/v1/owners", "status": 200}  # fmt: skip
    assert token not in str(row.detail) and "workflow=" not in str(row.detail)
    # A refused read is audited with its status too.
    assert call(f"{bot.api_url}/decisions?limit=0", token=token).status == 422
    assert [(r.detail["path"], r.detail["status"]) for r in api_calls(bot)[len(before) :]] == [
        ("/api/v1/owners", 200), ("/api/v1/decisions", 422)]  # fmt: skip


def test_an_unknown_or_missing_token_leaves_no_row_naming_a_token(bot):
    token = staffed_with_token(bot, "dashboard")
    with bot.session() as db:
        before = len(db.exec(select(AuditEvent)).all())
    assert call(f"{bot.api_url}/workflows", token="cad_" + "x" * 43).status == 401
    assert call(f"{bot.api_url}/workflows").status == 401
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert call(f"{bot.api_url}/workflows", token=wrong).status == 401
    with bot.session() as db:
        after = db.exec(select(AuditEvent)).all()
    assert len(after) == before
    assert not [e for e in after if e.action == "api.called"]


@pytest.fixture
def bot_on(fake_slack, database_url) -> Iterator[RunningBot]:  # noqa: F811
    """The running bot on SQLite and on PostgreSQL, a roomy rate limit."""
    settings = make_settings(fake_slack, database_url, api_rate_burst=500)
    yield from running_bot(settings, fake_slack)


def test_reads_and_writes_racing_keep_the_chain_whole(bot_on, monkeypatch, tmp_path, capsys):
    bot = bot_on
    token = staffed_with_token(bot, "mixed")
    before = len(api_calls(bot))

    def one(n: int) -> int:
        if n % 3 == 0:
            body = {**REPORT, "summary": f"alert {n}"}
            return call(f"{bot.api_url}/escalations", method="POST", token=token, body=body).status
        return call(f"{bot.api_url}/{('workflows', 'escalations')[n % 2]}", token=token).status

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(one, range(36)))
    assert statuses.count(201) == 12 and statuses.count(200) == 24
    audited = api_calls(bot)[before:]
    assert sorted(e.detail["status"] for e in audited) == sorted(statuses)
    assert {e.detail["method"] for e in audited} == {"GET", "POST"}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", bot.settings.database_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    with bot.session() as db:
        total = len(db.exec(select(AuditEvent)).all())
    assert out.startswith(f"verified {total} rows\n")


@pytest.fixture
def pg_bot(fake_slack, postgres_database) -> Iterator[RunningBot]:
    """The running bot on PostgreSQL (where replicas share one chain)."""
    if postgres_database is None:
        pytest.skip("PostgreSQL is not reachable")
    _fresh_postgres(postgres_database).dispose()
    yield from running_bot(make_settings(fake_slack, postgres_database), fake_slack)


def hold_chain_and_read(bot: RunningBot, token: str) -> AuditPending:
    """GET while a writer holds the workspace's chain: answered at once, its row set aside."""
    holder = make_engine(bot.settings.database_url)
    with holder.connect() as writer:  # a writer mid-transaction, holding the chain's head
        writer.execute(text("SELECT seq FROM audit_chain_head WHERE team_id = 'T0001' FOR UPDATE"))
        started = time.monotonic()
        assert call(f"{bot.api_url}/workflows", token=token).status == 200
        assert time.monotonic() - started < LOCK_WAIT_SECONDS  # answered, not queued
        with bot.session() as db:
            [waiting] = db.exec(select(AuditPending)).all()
        writer.rollback()
    holder.dispose()
    assert waiting.actor == "api:dashboard" and waiting.detail["path"] == "/api/v1/workflows"
    return waiting


def test_a_read_never_waits_for_a_writer_holding_the_chain(pg_bot, monkeypatch, tmp_path, capsys):
    bot = pg_bot
    token = staffed_with_token(bot, "dashboard")
    waiting = hold_chain_and_read(bot, token)
    assert not [e for e in api_calls(bot) if e.detail["method"] == "GET"]
    # The chain's next append (here a write) links the read's row, with the read's own time.
    assert call(f"{bot.api_url}/escalations", method="POST", token=token, body=REPORT).status == 201
    [read] = [e for e in api_calls(bot) if e.detail["method"] == "GET"]
    assert read.created_at == waiting.created_at and read.detail == waiting.detail
    # In a workspace gone quiet, the link-audit job links it.
    later = hold_chain_and_read(bot, token)
    runtime = JobRuntime(bot.settings, bot.engine, bot.deliverer)
    assert run_job(JOBS["link-audit"], runtime) == "linked 1 waiting audit row(s)"
    with bot.session() as db:
        assert db.exec(select(AuditPending)).all() == []
    reads = [e for e in api_calls(bot) if e.detail["method"] == "GET"]
    assert [e.created_at for e in reads] == [waiting.created_at, later.created_at]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", bot.settings.database_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.startswith("verified ")
