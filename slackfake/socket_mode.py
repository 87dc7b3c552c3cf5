"""Socket Mode as Slack speaks it: `apps.connections.open` (app token) hands out a one-time
`ws://127.0.0.1:PORT/link/?ticket=…` URL; the connection gets `hello`, then envelopes
(`slash_commands`, `interactive`, `events_api`, each with `envelope_id` and
`accepts_response_payload`), which the bot acks with `{"envelope_id", "payload"?}`.

Like Slack, an `events_api` envelope not acked within `socket_ack_timeout` is delivered again
(a new envelope, `retry_attempt` + 1, `retry_reason` "timeout", at most 3 retries) on the newest
open connection; a command or click that is not acked in time is only marked timed out (the
person would see an error). An ack is accepted on any connection of the app: a client that
replaced its connection acks what it received on the old one through the new.

Plain `ws://` on loopback: slack_sdk's clients follow the URL's scheme (the built-in one speaks
TLS only to port 443 whatever the scheme), so the fake needs no certificate. The endpoint starts
with the first `apps.connections.open`, so a fake serving only the Web API (the playground)
needs neither its threads nor the `websockets` library (a development dependency).
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slackfake.state import Workspace, err

if TYPE_CHECKING:
    from slackfake.socket_link import Link

KINDS = ("slash_commands", "interactive", "events_api")
MAX_RETRIES = 3
DISCONNECT_REASONS = ("warning", "refresh_requested", "link_disabled")


@dataclass
class Envelope:
    """One delivery to the bot, and what came back for it."""

    envelope_id: str
    type: str
    payload: dict
    accepts_response_payload: bool
    link: int
    retry_attempt: int = 0
    retry_reason: str = ""
    first_id: str = ""  # the first delivery's id, shared by its retries
    sent_at: float = field(default_factory=time.monotonic)
    acks: list[dict] = field(default_factory=list)  # {"link": n, "payload": …}
    timed_out: bool = False

    @property
    def acked(self) -> bool:
        """Whether an ack arrived (in time or late)."""
        return bool(self.acks)

    def message(self) -> dict:
        """The JSON Slack sends for it."""
        body = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            body |= {"retry_attempt": self.retry_attempt, "retry_reason": self.retry_reason}
        return body


class SocketMode(Workspace):
    """The Socket Mode endpoint: connections, envelopes, acks, retries, disconnects."""

    def _clear_socket_mode(self) -> None:
        """Forget connections, envelopes and faults (call with the lock held, after dropping
        the connections)."""
        self._links: list[Link] = []
        self._link_numbers = itertools.count(1)
        self._tickets: set[str] = set()
        self._envelopes: list[Envelope] = []
        self._acks_to_lose = 0
        self._refuse_connections: str | None = None
        self.socket_ack_timeout = 3.0  # Slack's 3 seconds

    def _listening_port(self) -> int:
        """The endpoint's port, starting it on first use (call with the lock held)."""
        listener: socket.socket | None = getattr(self, "_listener", None)
        if listener is None:
            listener = self._listener = socket.create_server(("127.0.0.1", 0))
            self._socket_stop = threading.Event()
            for target, name in ((self._accept_links, "accept"), (self._retry_events, "retry")):
                threading.Thread(target=target, name=f"fake-socket-{name}", daemon=True).start()
        return int(listener.getsockname()[1])

    def _stop_socket_mode(self) -> None:
        listener: socket.socket | None = getattr(self, "_listener", None)
        if listener is None:
            return
        self._socket_stop.set()
        listener.close()
        self._listener = None
        for link in list(self._links):
            link.drop()

    # ----- the Web API side --------------------------------------------------------------------

    def _apps_connections_open(self, params: dict) -> dict:
        if self._refuse_connections:
            return err(self._refuse_connections)
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        port = self._listening_port()
        return {
            "ok": True,
            "url": f"ws://127.0.0.1:{port}/link/?ticket={ticket}&app_id={self.app_id}",
        }

    # ----- what tests do -----------------------------------------------------------------------

    def links(self) -> list[Link]:
        """Every connection the bot opened, oldest first."""
        with self._cond:
            return list(self._links)

    def wait_for_link(self, count: int = 1, timeout: float = 10.0) -> Link:
        """Block until `count` connections were opened and the newest is open; return it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (len(self._links) >= count and self._links[-1].is_open):
                if (remaining := deadline - time.monotonic()) <= 0:
                    raise AssertionError(
                        f"Timed out after {timeout}s waiting for Socket Mode connection #{count}; "
                        f"{len(self._links)} opened, open now: {[k.number for k in self._open()]}"
                    )
                self._cond.wait(min(remaining, 0.05))
            return self._links[-1]

    def deliver(
        self, kind: str, payload: dict, *, accepts_response_payload: bool | None = None
    ) -> Envelope:
        """Send an envelope on the newest open connection (waiting up to 5 s for one)."""
        assert kind in KINDS, f"Socket Mode envelopes are {KINDS}, not {kind!r}"
        if accepts_response_payload is None:
            accepts_response_payload = kind == "slash_commands" or payload.get("type") in (
                "view_submission",
                "block_suggestion",
            )
        envelope = Envelope(uuid.uuid4().hex, kind, payload, accepts_response_payload, link=0)
        envelope.first_id = envelope.envelope_id
        self._send(envelope)
        return envelope

    def wait_for_ack(self, envelope: Envelope, timeout: float = 10.0) -> dict | None:
        """Block until the envelope (or a retry of it) is acked; the ack's payload, if any."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (acks := self._acks_of(envelope.first_id)):
                if (remaining := deadline - time.monotonic()) <= 0:
                    raise AssertionError(
                        f"No ack after {timeout}s for {envelope.type} envelope "
                        f"{envelope.envelope_id} ({len(self._envelopes)} envelopes sent)"
                    )
                self._cond.wait(min(remaining, 0.05))
            return acks[0].get("payload")

    def envelopes(self, first_id: str | None = None) -> list[Envelope]:
        """Every envelope sent, or one delivery and its retries."""
        with self._cond:
            return [e for e in self._envelopes if first_id in (None, e.first_id)]

    def lose_acks(self, count: int = 1) -> None:
        """The next `count` acks never reach Slack (a connection that died mid-ack)."""
        with self._cond:
            self._acks_to_lose += count

    def send_disconnect(self, reason: str, *, link: Link | None = None) -> None:
        """Send a `disconnect` message (warning, refresh_requested, link_disabled)."""
        assert reason in DISCONNECT_REASONS, reason
        target = link or self.wait_for_link(timeout=1)
        target.send_json({"type": "disconnect", "reason": reason,
                          "debug_info": {"host": "applink-fake"}})  # fmt: skip

    def refuse_connections(self, error: str | None = "invalid_auth") -> None:
        """apps.connections.open fails with `error` from now on (None: works again)."""
        with self._cond:
            self._refuse_connections = error

    def disable_socket_mode(self) -> None:
        """Turn Socket Mode off for the app, as its admin would: `link_disabled` on every
        connection, then close them."""
        for link in self._open():
            self.send_disconnect("link_disabled", link=link)
            link.close(1000, "link_disabled")

    # ----- the connections' side ---------------------------------------------------------------

    def _open(self) -> list[Link]:
        with self._cond:
            return [k for k in self._links if k.is_open]

    def _accept_links(self) -> None:
        # Imported here, not at the top: see the module's docstring.
        from slackfake.socket_link import Link

        listener, stop = self._listener, self._socket_stop
        assert listener is not None
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            link = Link(next(self._link_numbers), sock, admit=self._admit,
                        on_open=self._opened, on_text=self._received)  # fmt: skip
            link.start()

    def _admit(self, ticket: str) -> bool:
        with self._cond:
            if ticket not in self._tickets:
                return False
            self._tickets.discard(ticket)  # a ticket opens one connection
            return True

    def _opened(self, link: Link) -> None:
        with self._cond:
            self._links.append(link)
            count = len(self._open())
            self._cond.notify_all()
        link.send_json({
            "type": "hello",
            "num_connections": count,
            "debug_info": {"host": "applink-fake", "build_number": 1,
                           "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        })  # fmt: skip

    def _received(self, link: Link, message: dict) -> None:
        with self._cond:
            envelope = next(
                (e for e in self._envelopes if e.envelope_id == message.get("envelope_id")), None
            )
            if envelope is None:
                return
            if self._acks_to_lose > 0:
                self._acks_to_lose -= 1
                return
            ack = {"link": link.number}
            if "payload" in message:
                ack["payload"] = message["payload"]
            envelope.acks.append(ack)
            self._cond.notify_all()

    def _acks_of(self, first_id: str) -> list[dict]:
        return [a for e in self._envelopes if e.first_id == first_id for a in e.acks]

    def _send(self, envelope: Envelope) -> None:
        for _ in range(100):
            link = self.wait_for_link(timeout=5)
            with self._cond:
                envelope.link, envelope.sent_at = link.number, time.monotonic()
                self._envelopes.append(envelope)
            if link.send_json(envelope.message()):
                return
            with self._cond:
                self._envelopes.remove(envelope)
            time.sleep(0.02)  # that connection just ended; the bot is opening another
        raise AssertionError("no open Socket Mode connection took the envelope")

    def _retry_events(self) -> None:
        """Slack's side of a missed ack: mark it, and deliver events again."""
        stop = self._socket_stop
        while not stop.wait(0.05):
            now, retries = time.monotonic(), []
            with self._cond:
                for envelope in self._envelopes:
                    late = now - envelope.sent_at > self.socket_ack_timeout
                    if envelope.acked or envelope.timed_out or not late:
                        continue
                    envelope.timed_out = True
                    if envelope.type == "events_api" and envelope.retry_attempt < MAX_RETRIES:
                        retries.append(envelope)
            for missed in retries:
                retry = Envelope(uuid.uuid4().hex, missed.type, missed.payload,
                                 missed.accepts_response_payload, link=0,
                                 retry_attempt=missed.retry_attempt + 1, retry_reason="timeout",
                                 first_id=missed.first_id)  # fmt: skip
                self._send(retry)
