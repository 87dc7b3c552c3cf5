"""Bolt's dispatch without rebuilding every listener argument for every matcher and middleware.

bolt-python calls each middleware function and each listener matcher through its argument
injection, which builds *every* argument a listener could ask for (the payload read as an
action, a view, a command, an event, a message…; `say`, `respond` and the rest made afresh),
about 40 µs each time. A request runs every global middleware and the matchers of each
listener registered before the one it is for: some twenty such calls for a vote click, most of
its dispatch time. Bolt's own matchers (`app.action("id")`, `app.command("/x")`…) only ever
ask for the body, and Cadence's middleware for the body, the context and `next`: `streamline`
swaps those for objects that pass exactly that, so routing and middleware behave as before
(the same functions, called with the same values), just without the rest.

Anything asking for other arguments is left to bolt. `tests/bot/test_fastpath.py` checks both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
from slack_bolt.middleware import CustomMiddleware, Middleware

# What a streamlined middleware may ask for, read off the request (or `next`) directly.
_MIDDLEWARE_ARGUMENTS: Mapping[str, Callable[[BoltRequest, BoltResponse], Any]] = {
    "body": lambda req, _resp: req.body,
    "context": lambda req, _resp: req.context,
    "req": lambda req, _resp: req,
    "request": lambda req, _resp: req,
    "resp": lambda _req, resp: resp,
    "response": lambda _req, resp: resp,
}


class _BodyMatcher(BuiltinListenerMatcher):
    """One of bolt's own matchers (it takes only `body`), called with the body alone."""

    def __init__(self, original: BuiltinListenerMatcher) -> None:
        self.func = original.func
        self.arg_names = original.arg_names
        self.logger = original.logger

    def matches(self, req: BoltRequest, resp: BoltResponse) -> bool:
        """Whether the listener is for this request."""
        return bool(self.func(body=req.body))


@dataclass
class _DirectMiddleware(Middleware):
    """A middleware function called with the few arguments it names."""

    func: Callable[..., Any]
    arg_names: list[str]

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        """Run the function as bolt would."""
        kwargs = {
            name: next if name == "next" else _MIDDLEWARE_ARGUMENTS[name](req, resp)
            for name in self.arg_names
        }
        return self.func(**kwargs)  # type: ignore[no-any-return]

    @property
    def name(self) -> str:
        """As bolt names a function middleware in its logs."""
        return f"CustomMiddleware(func={getattr(self.func, '__name__', self.func)!r})"


def streamline(app: App) -> tuple[int, int]:
    """Swap the middleware and matchers that need no argument injection; (middleware,
    matchers) swapped. Call after every listener is registered."""
    middleware = 0
    for index, each in enumerate(app._middleware_list):
        if isinstance(each, CustomMiddleware) and _direct(each.arg_names):
            app._middleware_list[index] = _DirectMiddleware(each.func, list(each.arg_names))
            middleware += 1
    matchers = 0
    for listener in app._listeners:
        kept = list(listener.matchers)
        for index, matcher in enumerate(kept):
            if type(matcher) is BuiltinListenerMatcher and list(matcher.arg_names) == ["body"]:
                kept[index] = _BodyMatcher(matcher)
                matchers += 1
        listener.matchers = kept
    logging.getLogger("cadence").debug(
        "Streamlined %d middleware and %d listener matchers.", middleware, matchers
    )
    return middleware, matchers


def _direct(arg_names: list[str] | Any) -> bool:
    return all(name == "next" or name in _MIDDLEWARE_ARGUMENTS for name in arg_names)
