"""Reporting periods (a month or a quarter, in the workspace's zone) and when reports fall due."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cadence.errors import InvalidInput

MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
REPORT_HOUR = 9
USAGE = "Say which period: `2026-11`, `November 2026`, `last month`, `Q4 2026` or `last quarter`."


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter: [start, end) in local days."""

    start: date
    months: int = 1  # 1 for a month, 3 for a quarter

    @property
    def end(self) -> date:
        """The first day after the period."""
        return add_months(self.start, self.months)

    @property
    def key(self) -> str:
        """'2026-11' or '2026-Q4'."""
        if self.months == 3:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        """'November 2026' or 'Q4 2026'."""
        if self.months == 3:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return f"{self.start:%B %Y}"

    def previous(self) -> Period:
        """The period of the same length just before."""
        return Period(add_months(self.start, -self.months), self.months)

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[start, end) as UTC moments: local midnights in `timezone`."""
        zone = ZoneInfo(timezone)
        return tuple(  # type: ignore[return-value]
            datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
            for day in (self.start, self.end)
        )


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_of(day: date) -> Period:
    """The month `day` falls in."""
    return Period(day.replace(day=1))


def quarter_of(day: date) -> Period:
    """The quarter `day` falls in."""
    return Period(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), 3)


def parse_period(text: str, today: date) -> Period:
    """A period a person names, not in the future; an empty text means last month."""
    words = " ".join(text.lower().replace(",", " ").split())
    period = _named(words, today)
    if period is None:
        raise InvalidInput(f"I don't know the period *{text.strip()}*. {USAGE}")
    if period.start > today:
        raise InvalidInput(f"{period.label} has not started yet. {USAGE}")
    return period


def _named(words: str, today: date) -> Period | None:
    relative = {
        "": month_of(today).previous(),
        "last month": month_of(today).previous(),
        "previous month": month_of(today).previous(),
        "this month": month_of(today),
        "last quarter": quarter_of(today).previous(),
        "this quarter": quarter_of(today),
    }
    if words in relative:
        return relative[words]
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", words):
        year, month = int(match[1]), int(match[2])
        return Period(date(year, month, 1)) if 1 <= month <= 12 else None
    if match := re.fullmatch(r"(?:q([1-4]) (\d{4})|(\d{4})[ -]q([1-4]))", words):
        quarter, year = (match[1], match[2]) if match[1] else (match[4], match[3])
        return Period(date(int(year), (int(quarter) - 1) * 3 + 1, 1), 3)
    if match := re.fullmatch(r"([a-z]{3,9}) (\d{4})", words):
        month = next((i for i, m in enumerate(MONTHS, 1) if m.startswith(match[1])), None)
        return Period(date(int(match[2]), month, 1)) if month else None
    return None


def first_working_day(month_start: date) -> date:
    """The first Monday-to-Friday day of the month."""
    day = month_start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def report_due(period: Period, timezone: str) -> datetime:
    """When a month's report falls due: 09:00 local on the next month's first working day."""
    day = first_working_day(period.end)
    return datetime.combine(day, time(REPORT_HOUR), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


@dataclass
class Window:
    """The period being counted, in UTC and in local days."""

    team_id: str
    period: Period
    timezone: str
    start: datetime = field(init=False)
    end: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.start, self.end = self.period.bounds(self.timezone)

    def local_day(self, moment: datetime) -> date:
        """The workspace's calendar day of a UTC moment."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()
