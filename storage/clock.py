"""The one place Cadence asks what time it is, so tests can set it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return _source()


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the time source (tests); None restores the real clock."""
    global _source
    _source = source if source is not None else (lambda: datetime.now(UTC))
