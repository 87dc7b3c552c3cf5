"""The workspace's governance schedule as stored, and changing it (`/cadence settings`)."""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import Session

from cadence import audit
from cadence.accountability import authority
from cadence.errors import InvalidInput
from cadence.governance.schedule import WEEKDAYS, Schedule
from cadence.people import Person
from cadence.text import quote
from storage.clock import now
from storage.models import WorkspaceSettings

TIME = re.compile(r"^(\d{1,2})(?::|h|\.)?(\d{2})?$", re.IGNORECASE)
AM_PM = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)$", re.IGNORECASE)
USAGE = (
    "Say the day, the time (24 h) and/or the time zone, e.g. "
    "`/cadence settings Monday 09:30 Europe/Paris`."
)


def load_schedule(db: Session, *, team_id: str, default_zone: str) -> Schedule:
    """The team's schedule: its stored settings, or Monday 09:00 in the default time zone."""
    row = db.get(WorkspaceSettings, team_id)
    if row is None:
        return Schedule(default_zone)
    return Schedule.of(row)


def parse_schedule_change(text: str, current: Schedule) -> Schedule:
    """`Monday 09:30 Europe/Paris` (any part, any order) applied to the current schedule."""
    words = text.replace(",", " ").split()
    if not words:
        raise InvalidInput(USAGE)
    changed = current
    for index, word in enumerate(words):
        lower = word.lower()
        day = _weekday(lower)
        if day is not None:
            changed = replace(changed, governance_weekday=day)
        elif (at := _time(lower, words[index + 1 : index + 2])) is not None:
            changed = replace(changed, governance_hour=at[0], governance_minute=at[1])
        elif lower in ("am", "pm"):
            continue  # read together with the time before it
        else:
            changed = replace(changed, timezone=_timezone(word))
    return changed


def _weekday(word: str) -> int | None:
    word = word.rstrip("s") if word.endswith("days") else word
    for number, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.lower().startswith(word):
            return number
    return None


def _time(word: str, following: list[str]) -> tuple[int, int] | None:
    if following and following[0].lower() in ("am", "pm"):
        word = word + following[0].lower()
    match = AM_PM.match(word)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise InvalidInput(f"*{quote(word)}* is not a time of day. {USAGE}")
        return (hour % 12 + (12 if match.group(3).lower() == "pm" else 0), minute)
    match = TIME.match(word)
    if match is None or not any(c.isdigit() for c in word):
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise InvalidInput(f"*{quote(word)}* is not a time of day (00:00 to 23:59). {USAGE}")
    return hour, minute


def _timezone(word: str) -> str:
    if word.upper() == "UTC":
        return "UTC"
    try:
        ZoneInfo(word)
    except (ZoneInfoNotFoundError, ValueError):
        ZoneInfo.clear_cache()
        if (known := _zones_by_lower().get(word.lower())) is not None:
            return known
        raise InvalidInput(
            f"I don't know *{quote(word)}* as a day, a time or a time zone. Time zones are "
            f"IANA names such as Europe/Paris or America/New_York. {USAGE}"
        ) from None
    return word


@functools.cache
def _zones_by_lower() -> dict[str, str]:
    """IANA zone names by their lower case (read once: listing them walks the tz database)."""
    return {zone.lower(): zone for zone in available_timezones()}


def update_schedule(
    db: Session, *, team_id: str, actor: Person, wanted: Schedule, default_zone: str
) -> tuple[Schedule, Schedule]:
    """Store the new schedule (council only; admins may bootstrap); (before, after)."""
    authority.require_settings_authority(db, team_id=team_id, actor=actor)
    row = db.get(WorkspaceSettings, team_id)
    before = Schedule.of(row) if row is not None else Schedule(default_zone)
    if row is None:
        row = WorkspaceSettings(team_id=team_id)
    row.timezone = wanted.timezone
    row.governance_weekday = wanted.governance_weekday
    row.governance_hour = wanted.governance_hour
    row.governance_minute = wanted.governance_minute
    row.updated_by, row.updated_at = actor.id, now()
    db.add(row)
    db.flush()
    if wanted != before:
        audit.record(
            db,
            team_id=team_id,
            actor=actor.id,
            action="settings.updated",
            before=before.describe(),
            after=wanted.describe(),
        )
    return before, wanted
