"""Per-request plumbing: a database session in `db`, the workspace's default zone in
`default_zone`."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltContext
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from cadence import outbox
from storage.db import new_session


def install(app: App, *, engine: Engine, default_zone: str, on_commit: Callable[[], None]) -> None:
    """Give every request its own session (`db`) and the configured zone (`default_zone`).

    `default_zone` is the IANA zone Cadence falls back on where a workspace has not set one.
    `on_commit` (the outbox worker's kick) runs after a commit that queued outbox messages;
    read-only requests (help, opening a form) do not wake the deliverer for nothing.
    """

    def committed(db: Session) -> None:
        if db.info.pop(outbox.QUEUED, False):
            on_commit()

    @app.middleware
    def open_db_session(context: BoltContext, next: Callable[[], None]) -> None:
        db = new_session(engine)
        # A session opens no connection until used, so requests that never touch it cost nothing.
        event.listen(db, "after_commit", committed)
        event.listen(db, "after_rollback", lambda s: s.info.pop(outbox.QUEUED, None))
        context["db"] = db
        context["default_zone"] = default_zone
        next()
