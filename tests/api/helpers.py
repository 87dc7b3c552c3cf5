"""Calling the integration API over HTTP, and the Slack side of getting a token."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from slackfake.sim import SlackSim
from tests.cast import ADMIN, DANA, GENERAL
from tests.conftest import RunningBot
from tests.e2e.helpers import run, said
from tests.e2e.test_escalate import SUPPORT, staffed

TOKEN = re.compile(r"cad_[A-Za-z0-9_-]{43}")

__all__ = ["SUPPORT", "Answer", "call", "new_token", "run_in", "staffed_with_token"]


@dataclass
class Answer:
    """An HTTP answer: status, headers (lower-case names) and the body parsed as JSON."""

    status: int
    headers: dict[str, str]
    body: Any


def call(
    url: str,
    *,
    method: str = "GET",
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> Answer:
    """One HTTP request; any status comes back as an Answer (never raised)."""
    sent = {"Accept": "application/json", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    if data is not None:
        sent.setdefault("Content-Type", "application/json")
    request = Request(url, data=data, method=method, headers=sent)
    try:
        with urlopen(request, timeout=10) as response:
            status, got, text = response.status, dict(response.headers), response.read()
    except HTTPError as error:
        status, got, text = error.code, dict(error.headers), error.read()
    return Answer(status, {k.lower(): v for k, v in got.items()}, json.loads(text or b"null"))


def run_in(bot: RunningBot, sim: SlackSim, text: str, *, user: str) -> dict:
    """`/cadence TEXT` as `user` of another workspace (`sim`); the private answer."""
    reply = sim.command("/cadence", text, user=user, channel=GENERAL)
    assert reply.status == 200, reply.body
    if reply.body.strip():
        return reply.json or {"text": reply.body}
    return bot.fake.wait_for_responses(key=reply.response_url)[0]


def new_token(bot: RunningBot, name: str, *, user: str = DANA, sim: SlackSim | None = None) -> str:
    """`/cadence api token create NAME` as `user`; the token from the private answer."""
    text = f"api token create {name}"
    if sim is None:
        answer = run(bot, "/cadence", text, user=user)
    else:
        answer = run_in(bot, sim, text, user=user)
    found = TOKEN.search(said(answer))
    assert found, said(answer)
    return found.group(0)


def staffed_with_token(bot: RunningBot, name: str = "pipeline") -> str:
    """Support resolution with its owners, Dana on the council, and a token Dana created."""
    staffed(bot)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    return new_token(bot, name)
