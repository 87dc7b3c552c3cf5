"""Each token has its own bucket: `API_RATE_BURST` calls at once, refilled at
`API_RATE_PER_MINUTE`; past it, 429 with Retry-After. Also on the production server."""

from __future__ import annotations

import pytest

from bot.api.ratelimit import TokenBuckets
from tests.api.helpers import TOKEN, call, new_token, staffed_with_token
from tests.bot.test_server import cadence_server
from tests.cast import ADMIN, DANA, GENERAL


class Ticks:
    """A monotonic clock that moves when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_says_when_to_retry():
    ticks = Ticks()
    buckets = TokenBuckets(per_minute=6, burst=2, clock=ticks)  # one call per 10 s
    assert [buckets.take(1), buckets.take(1)] == [0.0, 0.0]
    assert buckets.take(1) == 10.0
    assert buckets.take(2) == 0.0  # another token's bucket is its own
    ticks.now += 4
    assert buckets.take(1) == pytest.approx(6.0)
    ticks.now += 6
    assert buckets.take(1) == 0.0
    ticks.now += 3600  # a long pause refills to the burst, no further
    assert [buckets.take(1) for _ in range(3)] == [0.0, 0.0, 10.0]


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
