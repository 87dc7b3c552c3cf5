"""Per-request plumbing: a database session in the listener's `db` argument."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import App, BoltContext
from sqlalchemy import Engine, event

from bot.config import Settings
from storage.db import new_session

F = TypeVar("F", bound=Callable[..., Any])


def install(app: App, *, engine: Engine, settings: Settings, on_commit: Callable[[], None]) -> None:
    """Give every request its own session (`db`) and the settings (`settings`)."""

    @app.middleware
    def open_db_session(context: BoltContext, next: Callable[[], None]) -> None:
        session = new_session(engine)
        # A session opens no connection until used, so requests that never touch it cost nothing.
        event.listen(session, "after_commit", lambda _s: on_commit())
        context["db"] = session
        context["settings"] = settings
        next()


def unit_of_work(listener: F) -> F:
    """Commit the listener's `db` session when it returns, roll back if it raises, then close.

    Bolt runs the listener after ack() in a worker thread, so the session's life is tied to the
    listener call, not to the middleware chain.
    """

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> Any:
        db = kwargs["db"]
        try:
            result = listener(**kwargs)
            db.commit()
            return result
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()

    return wrapper  # type: ignore[return-value]
