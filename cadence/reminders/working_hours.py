"""Quiet hours: reminders wait for a person's working hours in their own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from storage.models import SlackUser, WorkspaceSettings

WORK_START = time(9, 0)
WORK_END = time(18, 0)
WORKDAYS = frozenset(range(5))  # Monday to Friday
# How long a remembered time zone is trusted before Slack is asked again.
TZ_FRESH_FOR = timedelta(days=7)


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The time zone called `name`, or `fallback` when it is unknown or missing."""
    for candidate in (name, fallback, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def in_working_hours(moment: datetime, tz: ZoneInfo) -> bool:
    """Whether `moment` (aware) falls in 09:00 to 18:00, Monday to Friday, in `tz`."""
    local = moment.astimezone(tz)
    return local.weekday() in WORKDAYS and WORK_START <= local.time() < WORK_END


def latest_working_moment(moment: datetime, tz: ZoneInfo) -> datetime:
    """`moment` itself inside working hours, else the start of the latest working day before it.

    For reminders that must land ahead of a deadline: one due on a Sunday goes on Friday.
    """
    if in_working_hours(moment, tz):
        return moment
    local = moment.astimezone(tz)
    day = local.date() if local.time() >= WORK_START else local.date() - timedelta(days=1)
    while day.weekday() not in WORKDAYS:
        day -= timedelta(days=1)
    return datetime.combine(day, WORK_START, tzinfo=tz).astimezone(UTC)


def workspace_timezone(db: Session, *, team_id: str, default: str) -> str:
    """The workspace's configured time zone, or `default` (CADENCE_TIMEZONE)."""
    row = db.get(WorkspaceSettings, team_id)
    return row.timezone if row is not None and row.timezone else default


def user_timezones(db: Session, *, team_id: str, user_ids: set[str]) -> dict[str, str | None]:
    """The remembered time zone of each of `user_ids` (None when not known)."""
    if not user_ids:
        return {}
    rows = db.exec(
        select(SlackUser)
        .where(SlackUser.team_id == team_id)
        .where(SlackUser.user_id.in_(sorted(user_ids)))  # type: ignore[attr-defined]
    ).all()
    known: dict[str, str | None] = {u: None for u in user_ids}
    known.update({row.user_id: row.tz for row in rows})
    return known


def stale_users(db: Session, *, team_id: str, user_ids: set[str], moment: datetime) -> set[str]:
    """Those of `user_ids` whose time zone is unknown or older than TZ_FRESH_FOR."""
    if not user_ids:
        return set()
    rows = db.exec(
        select(SlackUser)
        .where(SlackUser.team_id == team_id)
        .where(SlackUser.user_id.in_(sorted(user_ids)))  # type: ignore[attr-defined]
    ).all()
    fresh = {row.user_id for row in rows if row.fetched_at > moment - TZ_FRESH_FOR}
    return set(user_ids) - fresh


def remember_user(
    db: Session, *, team_id: str, user_id: str, tz: str | None, deleted: bool, moment: datetime
) -> None:
    """Store (or refresh) what Slack said about a user's time zone."""
    row = db.exec(
        select(SlackUser).where(SlackUser.team_id == team_id).where(SlackUser.user_id == user_id)
    ).first()
    if row is None:
        row = SlackUser(team_id=team_id, user_id=user_id)
    row.tz, row.deleted, row.fetched_at = tz, deleted, moment
    db.add(row)
