"""cProfile across threads (Python 3.11 profiles per thread): one profiler per new thread."""

from __future__ import annotations

import cProfile
import io
import pstats
import threading
from types import FrameType
from typing import Any

from slackfake import FakeSlack

_PROJECT = r"/(cadence|handlers|storage|bot)/[a-z_/]+\.py"
_NOT_WAITING = (
    r"^(?!.*(poll|acquire|SimpleQueue|recv_into|sendall|connect|sleep|accept|getaddrinfo"
    r"|select|thread.py|threading.py|socketserver.py|_worker|run_ack_function)).*$"
)


class ThreadProfiles:
    """Profile every thread started after start(); report the bot's threads only.

    The fake Slack's threads and the load generator are left out of the report so the numbers
    describe what the bot itself spends time on.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._profiles: list[tuple[str, cProfile.Profile]] = []

    def start(self) -> None:
        """Profile threads created from now on."""
        threading.setprofile(self._bootstrap)

    def _bootstrap(self, _frame: FrameType, _event: str, _arg: Any) -> None:
        # Runs as the new thread's first profile event; enable() then takes over this thread.
        thread = threading.current_thread()
        owner = getattr(getattr(thread, "_target", None), "__self__", None)
        side = "fake" if isinstance(getattr(owner, "fake", None), FakeSlack) else "bot"
        if thread.name.startswith("bench-client") or thread.name == "fake-slack":
            side = "load"
        profile = cProfile.Profile()
        with self._lock:
            self._profiles.append((side, profile))
        profile.enable()

    def report(self, *, top: int = 25) -> str:
        """The bot-side hotspots by own time and by cumulative time."""
        threading.setprofile(None)
        with self._lock:
            mine = [p for side, p in self._profiles if side == "bot"]
        if not mine:
            return "(no bot threads were profiled)"
        for profile in mine:
            profile.create_stats()
        out = io.StringIO()
        stats = pstats.Stats(mine[0], stream=out)
        for profile in mine[1:]:
            stats.add(profile)
        out.write(f"Bot-side threads profiled: {len(mine)}\n\n")
        out.write("== by own time, blocking waits (poll, locks, queues, sockets) left out ==\n")
        stats.sort_stats("tottime").print_stats(_NOT_WAITING, top)
        out.write("\n== Cadence's own functions by cumulative time (waits included) ==\n")
        stats.sort_stats("cumulative").print_stats(_PROJECT, top)
        return out.getvalue()
