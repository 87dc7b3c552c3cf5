"""Per-request plumbing: events Slack delivers again are acked and skipped, a database session
in `db`, the workspace's default zone in `default_zone`, channel members (asked of Slack and
remembered for a minute) in `channel_members`."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from enum import StrEnum
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.listener.builtins import TokenRevocationListeners
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cadence import outbox
from handlers.channels import ChannelMembers
from handlers.commands import IMMEDIATE_ACKS
from handlers.errors import reply_privately
from handlers.ids import VOTE_ACTION_PREFIX
from handlers.unit_of_work import Later, now
from storage.db import AFTER_COMMIT, AFTER_ROLLBACK, new_session

# Slack wants an answer within 3 s: a request waits this long for a database lock held by
# another writer, then answers "try again" (handlers/errors.py) instead of answering late.
REQUEST_LOCK_WAIT_SECONDS = 2.0
BUSY = (
    ":hourglass: Cadence has more to do than it can take right now, so nothing was done. "
    "Please try again in a minute."
)


class Lane(StrEnum):
    """Which listener threads run a request's listener (bot/app.py keeps a pool for each)."""

    # What a person waits on after the ack: a form to open (its trigger expires in 3 s), an
    # answer, a form submission.
    PROMPT = "prompt"
    # Clicks that only record something and confirm it later: votes, which arrive in storms
    # and queue behind one another for their thread's lock.
    BACKGROUND = "background"


# The lane of the request being dispatched, read by the pool that is handed its listener.
LANE: ContextVar[Lane] = ContextVar("cadence_listener_lane", default=Lane.PROMPT)


def lane_of(body: dict[str, Any]) -> Lane:
    """A vote click goes to the background lane; everything else is prompt."""
    if body.get("type") == "block_actions":
        action = (body.get("actions") or [{}])[0] or {}
        if str(action.get("action_id") or "").startswith(VOTE_ACTION_PREFIX):
            return Lane.BACKGROUND
    return Lane.PROMPT


def immediate_ack(body: dict[str, Any]) -> dict[str, Any] | None:
    """What the ack says when it is known from the request alone (clicks and events: empty;
    slash commands: handlers.commands.IMMEDIATE_ACKS), else None: a form submission's ack
    carries its outcome, so its listener acks it."""
    if body.get("type") in ("block_actions", "event_callback"):
        return {}
    command = body.get("command")
    if command in IMMEDIATE_ACKS:
        return IMMEDIATE_ACKS[command](body)
    return None


# Events that come again when dropped (opening Home); any other (app_uninstalled,
# tokens_revoked) comes once, so it is taken even when its lane is full.
SHEDDABLE_EVENTS = frozenset({"app_home_opened"})


def sheddable(body: dict[str, Any]) -> bool:
    """Whether an overloaded process may turn this request away."""
    if body.get("type") == "event_callback":
        return (body.get("event") or {}).get("type") in SHEDDABLE_EVENTS
    return True


def shed(body: dict[str, Any], context: BoltContext, later: Later = now) -> BoltResponse:
    """Turn a request away, changing nothing: a command hears why in its ack, a click in a
    private reply sent after the ack (`later`: a slow Slack never delays it), an event is
    dropped (only one that comes again: sheddable)."""
    if body.get("command"):
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": BUSY})
    if body.get("type") == "block_actions":
        client = context.client
        later(lambda: reply_privately(body, client, BUSY))
    return BoltResponse(status=200, body="")


def install(
    app: App,
    *,
    engine: Engine,
    default_zone: str,
    on_commit: Callable[[], None],
    installations: TokenRevocationListeners | None = None,
    has_room: Callable[[Lane], bool] = lambda _lane: True,
    later: Later = now,
) -> None:
    """Ack early, and give every request its own session (`db`) and the configured zone.

    `installations` (OAuth mode: the installation store's revocation handling) is handed to
    the listeners as `installations`; None with a single configured token.

    `default_zone` is the IANA zone Cadence falls back on where a workspace has not set one.
    `on_commit` (the outbox worker's kick) runs after a commit that queued outbox messages;
    read-only requests (help, opening a form) do not wake the deliverer for nothing.
    `has_room(lane)` says whether that lane's listener pool may take one more request acked
    before it runs; when it is full, such requests are turned away at once with BUSY.
    `later` sends replies to Slack after the ack (listeners get it as `later`).
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

    @app.middleware
    def ack_at_once(
        body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> BoltResponse | None:
        # The ack goes from this (the request's) thread as soon as the request is verified, so
        # it never waits for a free listener thread or behind slow work (votes queued for their
        # thread's lock). The listener runs as before; its own ack() then changes nothing
        # already sent, and what it says goes to the response URL, a form or the outbox.
        lane = lane_of(body)
        LANE.set(lane)
        answer = immediate_ack(body)
        if answer is not None and sheddable(body) and not has_room(lane):
            return shed(
                body, context, later
            )  # overloaded: say so now rather than ack in 3 s or never
        if answer is not None:
            context.ack(**answer)
        next()
        return None

    def committed(db: Session) -> None:
        if db.info.pop(outbox.QUEUED, False):
            on_commit()

    def forget_queued(db: Session) -> None:
        db.info.pop(outbox.QUEUED, None)

    @app.middleware
    def open_db_session(context: BoltContext, next: Callable[[], None]) -> None:
        db = new_session(engine, lock_wait=REQUEST_LOCK_WAIT_SECONDS)
        # A session opens no connection until used, so requests that never touch it cost nothing.
        db.info[AFTER_COMMIT] = committed
        db.info[AFTER_ROLLBACK] = forget_queued
        context["db"] = db
        context["default_zone"] = default_zone
        context["channel_members"] = channel_members
        context["installations"] = installations
        context["later"] = later
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
