"""Per-request plumbing: events Slack delivers again are acked and skipped, a database session
in `db`, the workspace's default zone in `default_zone`, channel members (asked of Slack and
remembered for a minute) in `channel_members`."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.listener.builtins import TokenRevocationListeners
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from cadence import outbox
from handlers.channels import ChannelMembers
from storage.db import new_session

# Slack wants an answer within 3 s: a request waits this long for a database lock held by
# another writer, then answers "try again" (handlers/errors.py) instead of answering late.
REQUEST_LOCK_WAIT_SECONDS = 2.0


def install(
    app: App,
    *,
    engine: Engine,
    default_zone: str,
    on_commit: Callable[[], None],
    installations: TokenRevocationListeners | None = None,
) -> None:
    """Give every request its own session (`db`) and the configured zone (`default_zone`).

    `installations` (OAuth mode: the installation store's revocation handling) is handed to
    the listeners as `installations`; None with a single configured token.

    `default_zone` is the IANA zone Cadence falls back on where a workspace has not set one.
    `on_commit` (the outbox worker's kick) runs after a commit that queued outbox messages;
    read-only requests (help, opening a form) do not wake the deliverer for nothing.
    """

    seen = SeenEvents()
    channel_members = ChannelMembers()

    @app.middleware
    def skip_redelivered_events(body: dict[str, Any], next: Callable[[], None]) -> Any:
        # Slack delivers an event again (same event_id, retry headers over HTTP, retry_attempt
        # over Socket Mode) when it missed the ack; the first delivery already did the work.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not seen.first_time(str(event_id)):
            return BoltResponse(status=200, body="")
        next()
        return None

    def committed(db: Session) -> None:
        if db.info.pop(outbox.QUEUED, False):
            on_commit()

    @app.middleware
    def open_db_session(context: BoltContext, next: Callable[[], None]) -> None:
        db = new_session(engine, lock_wait=REQUEST_LOCK_WAIT_SECONDS)
        # A session opens no connection until used, so requests that never touch it cost nothing.
        event.listen(db, "after_commit", committed)
        event.listen(db, "after_rollback", lambda s: s.info.pop(outbox.QUEUED, None))
        context["db"] = db
        context["default_zone"] = default_zone
        context["channel_members"] = channel_members
        context["installations"] = installations
        next()


class SeenEvents:
    """The Events API ids handled in the last `ttl` seconds (at most `capacity` of them)."""

    def __init__(self, *, ttl: float = 3600.0, capacity: int = 50_000) -> None:
        self._ttl, self._capacity = ttl, capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """Remember `event_id`; whether it was new (Slack retries within about 5 minutes)."""
        now = time.monotonic()
        with self._lock:
            while self._seen and (
                len(self._seen) >= self._capacity or next(iter(self._seen.values())) < now
            ):
                self._seen.popitem(last=False)
            if event_id in self._seen:
                return False
            self._seen[event_id] = now + self._ttl
            return True
