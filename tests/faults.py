"""A TCP link between the bot and its database that a chaos test can cut, like a network or a
database server going away: every open connection is dropped and new ones are refused."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from sqlalchemy.engine import make_url


class DatabaseLink:
    """Forwards 127.0.0.1:`port` to the database at `url`; `cut` it for a while, or arm it to cut
    itself when the bot sends a statement containing given bytes (the middle of a transaction)."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.target = (parsed.host or "127.0.0.1", parsed.port or 5432)
        self._listener = self._listen(0)
        self.port: int = self._listener.getsockname()[1]
        self.url = parsed.set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False
        )
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._trigger: bytes | None = None
        self._outage = 0.0
        self.cut_at: float | None = None  # time.monotonic() of the last cut
        self.restored = threading.Event()
        self._closed = False
        threading.Thread(target=self._accept, name="db-link", daemon=True).start()

    @staticmethod
    def _listen(port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        listener.settimeout(0.05)
        return listener

    def cut_when_sent(self, statement: bytes, *, seconds: float) -> None:
        """Cut the link for `seconds` as soon as the bot sends bytes containing `statement`,
        before the database receives them."""
        with self._lock:
            self._trigger, self._outage = statement, seconds

    def cut(self, *, seconds: float) -> None:
        """Drop every connection now and refuse new ones for `seconds`."""
        with self._lock:
            self._trigger = None
            self.cut_at = time.monotonic()
            self.restored.clear()
            listener, self._listener = self._listener, None
            doomed, self._sockets = self._sockets, set()
        if listener is not None:
            listener.close()
        for sock in doomed:
            _close(sock)
        timer = threading.Timer(seconds, self._restore)
        timer.daemon = True
        timer.start()

    def _restore(self) -> None:
        with self._lock:
            if not self._closed:
                self._listener = self._listen(self.port)
        self.restored.set()

    def close(self) -> None:
        """Stop forwarding for good."""
        with self._lock:
            self._closed = True
        self.cut(seconds=0)

    def _accept(self) -> None:
        while not self._closed:
            listener = self._listener
            if listener is None:
                time.sleep(0.01)
                continue
            try:
                client, _ = listener.accept()
            except OSError:  # a timeout, or the listener closed by a cut
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets |= {client, server}
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_bot: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            if from_bot and self._trigger is not None and self._trigger in data:
                self.cut(seconds=self._outage)
                return
            try:
                sink.sendall(data)
            except OSError:
                break
        with self._lock:
            self._sockets -= {source, sink}
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
