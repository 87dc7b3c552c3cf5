"""The reset's calendar: pure date arithmetic in the workspace's time zone.

Day 1 is the start day. Weeks 1 to 3 are days 1-7, 8-14 and 15-21; week 4 runs from day 22
to the end of day 30, when the reset ends. The 30-day review opens on day 28 (at 09:00), and
the outcome owner's weekly DM goes out each Monday of the reset from 09:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from cadence.governance.schedule import local_time, local_to_utc

DAYS = 30
WEEKS = 4
REVIEW_DAY = 28
MORNING = time(9, 0)


@dataclass(frozen=True)
class ResetCalendar:
    """When each part of a reset that started on `start_day` falls, in zone `timezone`."""

    start_day: date
    timezone: str

    def day(self, number: int) -> date:
        """The date of day `number` (day 1 is the start day)."""
        return self.start_day + timedelta(days=number - 1)

    def week_first_day(self, week: int) -> date:
        """The first date of reset week `week` (1-4)."""
        return self.day(7 * (week - 1) + 1)

    def week_last_day(self, week: int) -> date:
        """The last date of reset week `week`: day 7, 14, 21, or day 30 for week 4."""
        return self.day(DAYS if week == WEEKS else 7 * week)

    def deadline(self, week: int) -> datetime:
        """The moment week `week` ends (UTC): midnight after its last day."""
        return self.midnight_after(self.week_last_day(week))

    @property
    def ends_at(self) -> datetime:
        """When the reset ends: midnight after day 30 (UTC)."""
        return self.deadline(WEEKS)

    @property
    def review_at(self) -> datetime:
        """When the 30-day review opens: 09:00 on day 28 (UTC)."""
        return local_to_utc(self.day(REVIEW_DAY), MORNING, self.timezone)

    def midnight_after(self, day: date) -> datetime:
        """Local midnight at the end of `day`, in UTC."""
        return local_to_utc(day + timedelta(days=1), time(0, 0), self.timezone)

    def today(self, moment: datetime) -> date:
        """The local date of a UTC moment."""
        return local_time(moment, self.timezone).date()

    def day_number(self, moment: datetime) -> int:
        """Which day of the reset `moment` falls on (may be < 1 or > 30)."""
        return (self.today(moment) - self.start_day).days + 1

    def week_of(self, moment: datetime) -> int:
        """The reset week `moment` falls in, 1-4 (clamped)."""
        number = self.day_number(moment)
        return max(1, min(WEEKS, (number - 1) // 7 + 1))

    def mondays(self) -> list[date]:
        """Every Monday within the reset's 30 days."""
        return [d for d in (self.day(n) for n in range(1, DAYS + 1)) if d.weekday() == 0]

    def monday_due(self, moment: datetime) -> date | None:
        """The Monday whose DM is due at `moment` (a Monday of the reset, from 09:00), or None."""
        today = self.today(moment)
        if today not in self.mondays():
            return None
        return today if moment >= local_to_utc(today, MORNING, self.timezone) else None
