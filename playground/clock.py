"""The playground's time: the real clock plus an offset that the page moves forward."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Move(StrEnum):
    """The clock control's buttons."""

    HOUR = "hour"
    DAY = "day"
    MONDAY = "monday"


class SimulatedClock:
    """Now, as Cadence sees it in the playground: real time shifted by `offset`."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        """The simulated time, timezone-aware in UTC (what storage.clock.now() returns)."""
        return datetime.now(UTC) + self._offset

    def epoch(self) -> float:
        """The simulated time in epoch seconds (what Slack's message ts follow)."""
        return self().timestamp()

    @property
    def offset(self) -> timedelta:
        """How far the simulated time is ahead of (or, while seeding, behind) real time."""
        return self._offset

    def jump_to(self, moment: datetime) -> None:
        """Set the time to `moment`, even backwards: only for filling a fresh workspace."""
        with self._lock:
            self._offset = moment - datetime.now(UTC)

    def move(self, move: Move, zone: str) -> datetime:
        """Move forward an hour, a day, or to next Monday 09:00 in `zone`; the new time."""
        with self._lock:
            current = self()
            if move is Move.HOUR:
                target = current + timedelta(hours=1)
            elif move is Move.DAY:
                target = current + timedelta(days=1)
            else:
                target = next_monday_nine(current, zone)
            self._offset += target - current
            return target


def _next_local(moment: datetime, zone: str) -> datetime:
    local = moment.astimezone(ZoneInfo(zone))
    monday = local.date() - timedelta(days=local.weekday())
    candidate = datetime.combine(monday, time(9), ZoneInfo(zone))
    return (
        candidate
        if candidate > local
        else datetime.combine(monday + timedelta(days=7), time(9), ZoneInfo(zone))
    )


def next_monday_nine(moment: datetime, zone: str) -> datetime:
    """The first Monday 09:00 (local time in `zone`) strictly after `moment`."""
    return _next_local(moment, zone).astimezone(UTC)


def this_monday_nine(moment: datetime, zone: str) -> datetime:
    """The latest Monday 09:00 (local time in `zone`) at or before `moment`."""
    upcoming = _next_local(moment, zone)
    return datetime.combine(
        upcoming.date() - timedelta(days=7), time(9), upcoming.tzinfo
    ).astimezone(UTC)
