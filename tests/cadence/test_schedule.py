"""The weekly schedule: ISO weeks and opening moments in the workspace's time zone, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cadence.governance.schedule import (
    Schedule,
    last_opening,
    local_time,
    next_opening,
    opening_moment,
    week_start_for,
)

PARIS, NEW_YORK = "Europe/Paris", "America/New_York"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "tz", "week"),
    [
        (utc(2026, 11, 23, 9, 0), "UTC", date(2026, 11, 23)),  # a Monday
        (utc(2026, 11, 29, 23, 59), "UTC", date(2026, 11, 23)),  # the Sunday after
        # Sunday 23:30 UTC is already Monday 00:30 in Paris: the new week.
        (utc(2026, 11, 22, 23, 30), PARIS, date(2026, 11, 23)),
        (utc(2026, 11, 22, 23, 30), "UTC", date(2026, 11, 16)),
        # Monday 03:00 UTC is still Sunday 22:00 in New York: the old week.
        (utc(2026, 11, 23, 3, 0), NEW_YORK, date(2026, 11, 16)),
        # Across the year boundary: ISO week 1 of 2027 starts on Monday 4 January.
        (utc(2027, 1, 1, 12, 0), PARIS, date(2026, 12, 28)),
    ],
)
def test_week_start_is_the_local_monday(moment, tz, week):
    assert week_start_for(moment, tz) == week
    assert week.weekday() == 0


@pytest.mark.parametrize(
    ("tz", "week", "expected"),
    [
        # Monday 09:00 in Paris: CET (+1) before the last Sunday of March, CEST (+2) after.
        (PARIS, date(2026, 3, 23), utc(2026, 3, 23, 8, 0)),
        (PARIS, date(2026, 3, 30), utc(2026, 3, 30, 7, 0)),
        (PARIS, date(2026, 10, 19), utc(2026, 10, 19, 7, 0)),
        (PARIS, date(2026, 10, 26), utc(2026, 10, 26, 8, 0)),
        # New York changes on the second Sunday of March and the first Sunday of November.
        (NEW_YORK, date(2026, 3, 2), utc(2026, 3, 2, 14, 0)),
        (NEW_YORK, date(2026, 3, 9), utc(2026, 3, 9, 13, 0)),
        (NEW_YORK, date(2026, 10, 26), utc(2026, 10, 26, 13, 0)),
        (NEW_YORK, date(2026, 11, 2), utc(2026, 11, 2, 14, 0)),
    ],
)
def test_monday_nine_is_nine_local_on_both_sides_of_dst(tz, week, expected):
    moment = opening_moment(Schedule(tz), week)
    assert moment == expected
    local = local_time(moment, tz)
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)


def test_a_skipped_local_time_opens_just_after_the_gap():
    # 29 March 2026, Paris: 02:00 jumps to 03:00, so Sunday 02:30 does not exist.
    paris = Schedule(PARIS, governance_weekday=6, governance_hour=2, governance_minute=30)
    moment = opening_moment(paris, date(2026, 3, 23))
    assert moment == utc(2026, 3, 29, 1, 30)
    assert local_time(moment, PARIS).strftime("%a %H:%M %Z") == "Sun 03:30 CEST"
    # 8 March 2026, New York: 02:00 jumps to 03:00.
    new_york = Schedule(NEW_YORK, governance_weekday=6, governance_hour=2, governance_minute=30)
    moment = opening_moment(new_york, date(2026, 3, 2))
    assert local_time(moment, NEW_YORK).strftime("%a %H:%M %Z") == "Sun 03:30 EDT"


def test_a_repeated_local_time_opens_at_its_first_occurrence():
    # 25 October 2026, Paris: 03:00 goes back to 02:00, so Sunday 02:30 happens twice.
    paris = Schedule(PARIS, governance_weekday=6, governance_hour=2, governance_minute=30)
    moment = opening_moment(paris, date(2026, 10, 19))
    assert moment == utc(2026, 10, 25, 0, 30)
    assert local_time(moment, PARIS).strftime("%H:%M %Z") == "02:30 CEST"
    # 1 November 2026, New York: 01:30 happens twice; the first is still EDT (-4).
    new_york = Schedule(NEW_YORK, governance_weekday=6, governance_hour=1, governance_minute=30)
    moment = opening_moment(new_york, date(2026, 10, 26))
    assert moment == utc(2026, 11, 1, 5, 30)
    assert local_time(moment, NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"


def test_next_opening_is_strictly_after():
    paris = Schedule(PARIS)
    opening = utc(2026, 11, 23, 8, 0)
    assert next_opening(paris, opening - timedelta(seconds=1)) == opening
    assert next_opening(paris, opening) == utc(2026, 11, 30, 8, 0)
    # From the Sunday before, in UTC already Monday in Paris but before 09:00 local.
    assert next_opening(paris, utc(2026, 11, 22, 23, 30)) == opening


def test_next_opening_across_the_spring_change_is_one_hour_less_than_a_week():
    paris = Schedule(PARIS)
    before = utc(2026, 3, 23, 8, 0)
    after = next_opening(paris, before)
    assert after == utc(2026, 3, 30, 7, 0)
    assert after - before == timedelta(days=7, hours=-1)
    new_york = Schedule(NEW_YORK)
    november = next_opening(new_york, utc(2026, 10, 26, 13, 0))
    assert november - utc(2026, 10, 26, 13, 0) == timedelta(days=7, hours=1)


def test_next_opening_on_a_later_weekday_and_later_week():
    friday = Schedule(NEW_YORK, governance_weekday=4, governance_hour=16, governance_minute=45)
    # Monday: this week's Friday.
    assert next_opening(friday, utc(2026, 11, 23, 12, 0)) == utc(2026, 11, 27, 21, 45)
    # Saturday: next week's Friday.
    assert next_opening(friday, utc(2026, 11, 28, 12, 0)) == utc(2026, 12, 4, 21, 45)


def test_last_opening_is_at_or_before():
    paris = Schedule(PARIS)
    opening = utc(2026, 11, 23, 8, 0)
    assert last_opening(paris, opening) == opening
    assert last_opening(paris, opening - timedelta(minutes=1)) == utc(2026, 11, 16, 8, 0)
    assert last_opening(paris, utc(2026, 11, 29, 22, 0)) == opening


def test_schedule_describes_itself():
    assert Schedule(PARIS, 2, 14, 5).describe() == "Wednesday 14:05 (Europe/Paris)"
