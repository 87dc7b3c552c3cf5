"""Each token has its own bucket: `API_RATE_BURST` calls at once, refilled at
`API_RATE_PER_MINUTE`; past it, 429 with Retry-After. Also on the production server."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.api.ratelimit import TokenBuckets
from storage.audit_verify import verify_chain
from storage.db import make_engine, new_session, session_scope
from storage.models import ApiToken, AuditEvent, AuditPending, pk
from tests.api.helpers import TOKEN, call, new_token, staffed_with_token
from tests.bot.test_server import cadence_server, database_url  # noqa: F401  (fixture)
from tests.cast import ADMIN, DANA, GENERAL


class Ticks:
    """A wall clock (Unix seconds) that moves when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _tokens(engine: Engine, count: int) -> list[int]:
    with session_scope(engine) as db:
        rows = [
            ApiToken(team_id="T1", name=f"t{i}", token_hash=f"{i:064}", hint="cad_", created_by="U")
            for i in range(count)
        ]
        db.add_all(rows)
        db.flush()
        return [pk(row) for row in rows]


def test_a_bucket_allows_its_burst_then_says_when_to_retry(any_engine):
    ticks = Ticks()
    first, second = _tokens(any_engine, 2)
    buckets = TokenBuckets(per_minute=6, burst=2, clock=ticks)  # one call per 10 s
    with new_session(any_engine) as db:

        def take(token_id: int) -> float:
            return buckets.take(db, token_id=token_id)

        assert [take(first), take(first)] == [0.0, 0.0]
        assert take(first) == pytest.approx(10.0)
        assert take(second) == 0.0  # another token's bucket is its own
        ticks.now += 4
        assert take(first) == pytest.approx(6.0)
        ticks.now += 6
        assert take(first) == 0.0
        ticks.now -= 50  # a replica whose clock is behind refills nothing, and breaks nothing
        assert take(first) == pytest.approx(10.0)
        ticks.now += 3650  # a long pause refills to the burst, no further
        assert [take(first) for _ in range(3)] == pytest.approx([0.0, 0.0, 10.0])


def test_the_bucket_is_on_the_token_row_so_every_process_spends_from_it(any_engine):
    """Two limiters (two worker processes) and threads racing: the burst is spent once."""
    [token_id] = _tokens(any_engine, 1)
    ticks = Ticks()
    workers = [TokenBuckets(per_minute=1, burst=10, clock=ticks) for _ in range(2)]

    def burst(limiter: TokenBuckets) -> list[float]:
        with new_session(any_engine, lock_wait=5) as db:
            return [limiter.take(db, token_id=token_id) for _ in range(8)]

    with ThreadPoolExecutor(4) as pool:
        waits = [w for got in pool.map(burst, workers * 2) for w in got]
    assert sum(1 for wait in waits if wait == 0.0) == 10  # the burst, across all of them
    assert all(wait > 0 for wait in waits if wait != 0.0) and len(waits) == 32


def test_a_token_past_its_limit_gets_429_with_retry_after(bot):
    ticks = Ticks()
    assert bot.api is not None
    bot.api.limiter = TokenBuckets(per_minute=30, burst=3, clock=ticks)
    token = staffed_with_token(bot, "pipeline")
    other = new_token(bot, "monitoring")
    url = f"{bot.api_url}/workflows"
    assert [call(url, token=token).status for _ in range(3)] == [200, 200, 200]
    limited = call(url, token=token)
    assert limited.status == 429
    assert limited.headers["retry-after"] == "2"  # 30 a minute: one every 2 s
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.body["title"] == "Too Many Requests" and "pipeline" in limited.body["detail"]
    post = call(f"{bot.api_url}/escalations", method="POST", token=token, body={})
    assert post.status == 429  # writes share the bucket
    assert call(url, token=other).status == 200  # the other token is not held back
    ticks.now += 2
    assert call(url, token=token).status == 200
    assert call(url, token=token).status == 429


def test_the_production_server_serves_the_api_with_the_configured_limit(fake_slack, tmp_path):
    with cadence_server(
        fake_slack,
        tmp_path,
        f"sqlite:///{tmp_path / 'cadence.db'}",
        API_RATE_BURST="2",
        API_RATE_PER_MINUTE="1",
    ) as server:
        sim = server.sim(fake_slack)
        added = sim.command("/cadence", f"council add <@{DANA}>", user=ADMIN, channel=GENERAL)
        fake_slack.wait_for_responses(key=added.response_url)
        reply = sim.command("/cadence", "api token create ops", user=DANA, channel=GENERAL)
        [answer] = fake_slack.wait_for_responses(key=reply.response_url)
        token = TOKEN.search(answer["text"]).group(0)
        base = f"http://127.0.0.1:{server.port}/api/v1"
        assert call(f"{base}/openapi.json").status == 200
        assert [call(f"{base}/workflows", token=token).status for _ in range(2)] == [200, 200]
        limited = call(f"{base}/workflows", token=token)
        assert limited.status == 429 and 55 <= int(limited.headers["retry-after"]) <= 60
        assert call(f"{base}/workflows", token="cad_" + "x" * 43).status == 401
        lines = [line for line in server.json_lines() if line.get("kind") == "api GET"]
        assert {line["status"] for line in lines} >= {200, 429, 401}
        assert token not in server.log.read_text()  # never logged
        assert any("(token ops)" in line["message"] for line in lines)


def test_two_worker_processes_share_one_bucket_per_token(
    fake_slack,
    tmp_path,
    database_url,  # noqa: F811  (the fixture imported above)
):
    """WEB_CONCURRENCY=2: a burst spread over both workers gets the burst, and 429 past it."""
    with cadence_server(
        fake_slack,
        tmp_path,
        database_url,
        WEB_CONCURRENCY="2",
        API_RATE_BURST="8",
        API_RATE_PER_MINUTE="1",
    ) as server:
        assert len(server.workers()) == 2
        sim = server.sim(fake_slack)
        added = sim.command("/cadence", f"council add <@{DANA}>", user=ADMIN, channel=GENERAL)
        fake_slack.wait_for_responses(key=added.response_url)
        reply = sim.command("/cadence", "api token create burst", user=DANA, channel=GENERAL)
        [answer] = fake_slack.wait_for_responses(key=reply.response_url)
        token = TOKEN.search(answer["text"]).group(0)
        url = f"http://127.0.0.1:{server.port}/api/v1/workflows"
        started, answers = time.monotonic(), []
        with ThreadPoolExecutor(8) as pool:
            for _ in range(5):  # rounds of concurrent calls, until both workers have answered
                answers += pool.map(lambda _n: call(url, token=token), range(8))
                lines = [line for line in server.json_lines() if line.get("kind") == "api GET"]
                if len({line["pid"] for line in lines}) == 2 and len(answers) >= 16:
                    break
        elapsed = time.monotonic() - started
    assert len({line["pid"] for line in lines}) == 2, "one worker answered every call"
    allowed = [a for a in answers if a.status == 200]
    limited = [a for a in answers if a.status == 429]
    assert len(allowed) + len(limited) == len(answers) > 8
    # The burst, plus at most what one call a minute refilled while the calls went out.
    assert 8 <= len(allowed) <= 8 + int(elapsed // 60)
    assert all(1 <= int(a.headers["retry-after"]) <= 60 for a in limited)
    engine = make_engine(database_url)
    with session_scope(engine) as db:
        linked = db.exec(select(AuditEvent).where(AuditEvent.action == "api.called")).all()
        waiting = db.exec(select(AuditPending)).all()  # reads that met a busy chain
        assert verify_chain(db).ok
    engine.dispose()
    # Each allowed call is audited once, whichever worker answered; a 429 is only logged.
    audited = [*linked, *waiting]
    assert sorted(e.detail["status"] for e in audited) == [200] * len(allowed)
