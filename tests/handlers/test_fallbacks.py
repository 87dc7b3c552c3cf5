"""The catch-all listeners leave alone every id a listener of ours answers: bolt moves on to the
next matching listener when one is slow to ack, so a catch-all matching our own ids would answer
a slow real click or form with "out of date" (tests/e2e/test_unknown_ids.py shows it end to end).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import handlers
from handlers import fallbacks
from handlers.ids import VOTE_ACTION_PREFIX


class Recorder:
    """Stands in for the bolt App: notes what each family registers, and for what."""

    def __init__(self) -> None:
        self.registered: dict[str, list[tuple[Any, Any]]] = {"action": [], "view": []}

    def __getattr__(self, kind: str) -> Callable[..., Callable[[Any], Any]]:
        def register(constraint: Any = None, matchers: Any = None, **_: Any) -> Any:
            self.registered.setdefault(kind, []).append((constraint, matchers))
            return lambda listener: listener

        return register


def recorded() -> Recorder:
    app = Recorder()
    handlers.register(app)  # type: ignore[arg-type]
    return app


def test_every_button_of_ours_is_left_to_its_own_listener():
    ours = [c for c, matchers in recorded().registered["action"] if matchers is None]
    assert ours, "nothing recorded"
    for constraint in ours:
        if isinstance(constraint, re.Pattern):
            assert constraint.pattern == f"^{re.escape(VOTE_ACTION_PREFIX)}", constraint
            example = f"{VOTE_ACTION_PREFIX}anything"
        else:
            example = str(constraint)
        assert not fallbacks.is_unknown_action({"actions": [{"action_id": example}]}), example


def test_every_form_of_ours_is_left_to_its_own_listener():
    ours = [c for c, matchers in recorded().registered["view"] if matchers is None]
    assert ours, "nothing recorded"
    for callback_id in ours:
        assert not fallbacks.is_unknown_form({"view": {"callback_id": str(callback_id)}})


def test_the_catch_alls_are_registered_last_and_take_anything_else():
    app = recorded()
    assert app.registered["action"][-1][1] == [fallbacks.is_unknown_action]
    assert app.registered["view"][-1][1] == [fallbacks.is_unknown_form]
    assert fallbacks.is_unknown_action({"actions": [{"action_id": "from-an-old-message"}]})
    assert fallbacks.is_unknown_action({"actions": []})
    assert fallbacks.is_unknown_form({"view": {"callback_id": "from-an-old-version"}})
