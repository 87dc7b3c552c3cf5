"""The weekly governance schedule: pure date arithmetic in the workspace's time zone.

Weeks are ISO weeks (Monday first) in the workspace's time zone. The opening moment of a week
is its configured weekday at hh:mm local time. Local times that do not exist (the hour skipped
when clocks go forward) open at the same wall-clock distance after the gap, e.g. 02:30 → 03:30;
local times that happen twice (clocks going back) open at the first of the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DEFAULT_WEEKDAY, DEFAULT_HOUR, DEFAULT_MINUTE = 0, 9, 0


class ScheduleLike(Protocol):
    """Anything with the schedule's fields: a WorkspaceSettings row or a Schedule."""

    timezone: str
    governance_weekday: int
    governance_hour: int
    governance_minute: int


@dataclass(frozen=True)
class Schedule:
    """When a workspace's governance threads open (weekday 0 = Monday)."""

    timezone: str = "UTC"
    governance_weekday: int = DEFAULT_WEEKDAY
    governance_hour: int = DEFAULT_HOUR
    governance_minute: int = DEFAULT_MINUTE

    @classmethod
    def of(cls, settings: ScheduleLike) -> Schedule:
        """A Schedule with the fields of a settings row."""
        return cls(
            settings.timezone,
            settings.governance_weekday,
            settings.governance_hour,
            settings.governance_minute,
        )

    def describe(self) -> str:
        """'Monday 09:00 (Europe/Paris)'."""
        return (
            f"{WEEKDAYS[self.governance_weekday]} "
            f"{self.governance_hour:02d}:{self.governance_minute:02d} ({self.timezone})"
        )


def week_start_for(moment_utc: datetime, tz: str) -> date:
    """The Monday of the ISO week that `moment_utc` falls in, in time zone `tz`."""
    local = moment_utc.astimezone(ZoneInfo(tz)).date()
    return local - timedelta(days=local.weekday())


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    """A local wall-clock time on `day` as a UTC moment (gaps move forward, repeats take the
    first occurrence)."""
    zone = ZoneInfo(tz)
    # fold=0 reads a skipped time with the offset before the change (so it lands after the
    # gap) and a repeated time as its first occurrence.
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


def opening_moment(settings: ScheduleLike, week_start: date) -> datetime:
    """When the week starting on Monday `week_start` opens its threads, in UTC."""
    day = week_start + timedelta(days=settings.governance_weekday)
    at = time(settings.governance_hour, settings.governance_minute)
    return local_to_utc(day, at, settings.timezone)


def next_opening(settings: ScheduleLike, after: datetime) -> datetime:
    """The first opening moment strictly after `after` (UTC)."""
    week = week_start_for(after, settings.timezone)
    moment = opening_moment(settings, week)
    while moment <= after:
        week += timedelta(days=7)
        moment = opening_moment(settings, week)
    return moment


def last_opening(settings: ScheduleLike, at: datetime) -> datetime:
    """The latest opening moment at or before `at` (UTC)."""
    week = week_start_for(at, settings.timezone)
    moment = opening_moment(settings, week)
    while moment > at:
        week -= timedelta(days=7)
        moment = opening_moment(settings, week)
    return moment


def week_of_opening(settings: ScheduleLike, moment: datetime) -> date:
    """The week whose opening moment is `moment` (it may fall on another weekday than Monday)."""
    local = moment.astimezone(ZoneInfo(settings.timezone)).date()
    return local - timedelta(days=settings.governance_weekday)


def local_time(moment: datetime, tz: str) -> datetime:
    """A stored UTC moment in the workspace's time zone."""
    return moment.astimezone(ZoneInfo(tz))
