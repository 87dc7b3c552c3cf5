"""bot/fastpath.py: bolt's routing and middleware without argument injection, same behaviour."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
from slack_bolt.middleware import CustomMiddleware

from bot.app import build_app
from bot.fastpath import streamline
from slackfake import FakeSlack
from storage.db import make_engine
from tests.conftest import SIGNING_SECRET, make_settings


def _bare_app() -> App:
    return App(signing_secret=SIGNING_SECRET, token="xoxb-test", token_verification_enabled=False)


def _request(body: dict[str, Any]) -> BoltRequest:
    request = BoltRequest(body="", headers={})
    request.body = body
    return request


def test_cadence_dispatches_without_injection_for_its_matchers_and_middleware(
    fake_slack: FakeSlack, tmp_path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fast.db'}")
    app = build_app(make_settings(fake_slack, f"sqlite:///{tmp_path / 'fast.db'}"), engine)
    slow_middleware = [m for m in app._middleware_list if isinstance(m, CustomMiddleware)]
    slow_matchers = [
        m for listener in app._listeners for m in listener.matchers
        if type(m) is BuiltinListenerMatcher
    ]  # fmt: skip
    assert slow_middleware == [], "a middleware function still goes through argument injection"
    assert slow_matchers == [], "one of bolt's own matchers still goes through injection"
    # Every listener was kept, each with its matchers.
    assert len(app._listeners) > 30
    assert all(listener.matchers for listener in app._listeners)
    engine.dispose()


def test_swapped_matchers_route_exactly_as_bolt_did() -> None:
    app = _bare_app()
    app.action("vote")(lambda ack: ack())
    app.command("/cadence")(lambda ack: ack())
    app.view("form")(lambda ack: ack())
    click = {"type": "block_actions", "actions": [{"action_id": "vote"}]}
    other = {"type": "block_actions", "actions": [{"action_id": "other"}]}
    command = {"command": "/cadence", "text": "help"}
    form = {"type": "view_submission", "view": {"type": "modal", "callback_id": "form"}}
    bodies = [click, other, command, form]
    resp = BoltResponse(status=200)
    before = [[lst.matches(req=_request(b), resp=resp) for lst in app._listeners] for b in bodies]
    assert streamline(app) == (0, 3)
    after = [[lst.matches(req=_request(b), resp=resp) for lst in app._listeners] for b in bodies]
    assert after == before
    assert before == [
        [True, False, False],
        [False, False, False],
        [False, True, False],
        [False, False, True],
    ]


def test_swapped_middleware_gets_the_same_arguments_and_its_answer_counts() -> None:
    app = _bare_app()
    seen: list[tuple[Any, ...]] = []

    @app.middleware
    def direct(body: dict[str, Any], context: Any, next: Any) -> BoltResponse | None:
        seen.append((body, context))
        if body.get("stop"):
            return BoltResponse(status=200, body="stopped here")
        next()
        return None

    @app.middleware
    def needs_more(body: dict[str, Any], say: Any, next: Any) -> None:  # left to bolt
        next()

    assert streamline(app) == (1, 0)
    [swapped, kept] = app._middleware_list[-2:]
    assert isinstance(kept, CustomMiddleware)
    request = _request({"stop": True})
    answer = swapped.process(req=request, resp=BoltResponse(status=200), next=_never)
    assert (answer.status, answer.body) == (200, "stopped here")
    assert seen == [({"stop": True}, request.context)]
    went_on: list[bool] = []
    swapped.process(req=_request({}), resp=BoltResponse(status=200),
                    next=lambda: went_on.append(True))  # fmt: skip
    assert went_on == [True]


def _never() -> BoltResponse:
    pytest.fail("next() was called after the middleware answered")
