"""Per-request plumbing: a database session in the listener's `db` argument."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import App, BoltContext
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bot.config import Settings
from cadence import outbox
from handlers.errors import handle_error
from storage.db import new_session

F = TypeVar("F", bound=Callable[..., Any])


def install(app: App, *, engine: Engine, settings: Settings, on_commit: Callable[[], None]) -> None:
    """Give every request its own session (`db`) and the settings (`settings`).

    `on_commit` (the outbox worker's kick) runs after a commit that queued outbox messages;
    read-only requests (help, opening a form) do not wake the deliverer for nothing.
    """

    def committed(session: Session) -> None:
        if session.info.pop(outbox.QUEUED, False):
            on_commit()

    @app.middleware
    def open_db_session(context: BoltContext, next: Callable[[], None]) -> None:
        session = new_session(engine)
        # A session opens no connection until used, so requests that never touch it cost nothing.
        event.listen(session, "after_commit", committed)
        event.listen(session, "after_rollback", lambda s: s.info.pop(outbox.QUEUED, None))
        context["db"] = session
        context["settings"] = settings
        next()


def unit_of_work(listener: F) -> F:
    """Commit the listener's `db` session when it returns; on error roll back and answer.

    Bolt runs the listener after ack() in a worker thread, so the session's life is tied to the
    listener call, not to the middleware chain. Errors are answered here rather than re-raised:
    bolt 1.30's async runner resets an already-sent ack() to "unhandled" when the listener raises
    right after acking, so a refusal would reach Slack as a failure.
    """
    names = inspect.signature(listener).parameters
    missing = {"ack", "body", "client", "db"} - set(names)
    if missing:
        raise TypeError(f"{listener.__name__} must take {sorted(missing)} to be a unit of work")

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> Any:
        db, ack = kwargs["db"], kwargs["ack"]
        try:
            result = listener(**kwargs)
            db.commit()
            return result
        except Exception as error:
            db.rollback()
            if ack.response is None:
                ack()
            handle_error(error, kwargs["body"], kwargs["client"])
            return None
        finally:
            db.close()

    return wrapper  # type: ignore[return-value]
