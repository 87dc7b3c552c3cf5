"""One Socket Mode WebSocket connection of the fake, on a plain loopback TCP socket.

The WebSocket protocol itself (handshake, framing, masking, ping/pong, the close handshake) is
the `websockets` library's Sans-I/O `ServerProtocol`; this class owns the socket, so a test can
make the connection go silent (stop reading and answering, the half-dead TCP connection of real
networks) or drop it without a close frame.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

_READ_TIMEOUT = 0.05


class Link:
    """A WebSocket connection from the bot; `on_text` gets each text message (a dict)."""

    def __init__(
        self,
        number: int,
        sock: socket.socket,
        *,
        admit: Callable[[str], bool],
        on_open: Callable[[Link], None],
        on_text: Callable[[Link, dict], None],
    ) -> None:
        self.number = number
        self._sock = sock
        self._admit, self._on_open, self._on_text = admit, on_open, on_text
        self._protocol = ServerProtocol(max_size=None)
        self._send_lock = threading.Lock()
        self._ended = threading.Event()
        self.opened = False
        self.silent = False
        self.pings = 0  # pings received from the bot
        self._thread = threading.Thread(target=self._run, name=f"fake-link-{number}", daemon=True)

    def start(self) -> None:
        """Read the handshake, then messages, in a daemon thread."""
        self._thread.start()

    @property
    def is_open(self) -> bool:
        """Handshake done and not closed (a silent link is still open, as far as TCP knows)."""
        return self.opened and not self._ended.is_set()

    # ----- what the fake says ------------------------------------------------------------------

    def send_json(self, message: dict) -> bool:
        """Send one text message; whether it went out (not on a silent or closed link)."""
        with self._send_lock:
            if self.silent or not self.is_open or self._protocol.state is not State.OPEN:
                return False
            self._protocol.send_text(json.dumps(message).encode())
            return self._flush()

    def close(self, code: int = 1001, reason: str = "") -> None:
        """Close with a close frame (what Slack does when it recycles a connection)."""
        with self._send_lock:
            if self._protocol.state is State.OPEN and not self.silent:
                self._protocol.send_close(code, reason)
                self._flush()
        # The bot answers the close frame; the reader ends when its socket closes.
        threading.Timer(1.0, self.drop).start()

    def drop(self) -> None:
        """End the TCP connection at once, with no close frame (a crashed server, a lost NAT)."""
        self._ended.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def go_silent(self) -> None:
        """Stop reading and answering anything, pings included; TCP stays up."""
        with self._send_lock:
            self.silent = True

    # ----- the connection's thread -------------------------------------------------------------

    def _flush(self) -> bool:
        try:
            for data in self._protocol.data_to_send():
                if data:
                    self._sock.sendall(data)
                else:  # the protocol is done with the connection: a server closes TCP first
                    self._ended.set()
                    self._sock.shutdown(socket.SHUT_WR)
            return True
        except OSError:
            self._ended.set()
            return False

    def _run(self) -> None:
        self._sock.settimeout(_READ_TIMEOUT)
        try:
            while not self._ended.is_set():
                if self.silent:
                    self._ended.wait(_READ_TIMEOUT)
                    continue
                try:
                    data = self._sock.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                with self._send_lock:
                    if data:
                        self._protocol.receive_data(data)
                    else:
                        self._protocol.receive_eof()
                    events = self._protocol.events_received()
                    self._flush()
                for event in events:
                    self._handle(event)
                if not data or self._protocol.state is State.CLOSED:
                    break
        finally:
            self.drop()

    def _handle(self, event: Request | Frame | object) -> None:
        if isinstance(event, Request):
            self._handshake(event)
        elif isinstance(event, Frame):
            if event.opcode is Opcode.PING:
                self.pings += 1  # ServerProtocol has queued the pong already
            elif event.opcode is Opcode.TEXT:
                try:
                    message = json.loads(event.data)
                except ValueError:
                    return
                if isinstance(message, dict):
                    self._on_text(self, message)

    def _handshake(self, request: Request) -> None:
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self._send_lock:
            if urlsplit(request.path).path != "/link/" or not self._admit(ticket):
                self._protocol.send_response(self._protocol.reject(403, "invalid ticket"))
                self._flush()
                self._ended.set()
                return
            response = self._protocol.accept(request)
            self._protocol.send_response(response)
            self._flush()
            self.opened = response.status_code == 101
        if self.opened:
            self._on_open(self)
