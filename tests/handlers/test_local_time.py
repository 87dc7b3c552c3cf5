"""Times are stored in UTC and shown in the workspace's time zone."""

from datetime import UTC, datetime

from handlers.blocks.kit import local_date


def test_local_date_uses_the_workspace_time_zone():
    late_monday_utc = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert local_date(late_monday_utc, "UTC") == "2026-11-23"
    assert local_date(late_monday_utc, "Pacific/Auckland") == "2026-11-24"
    assert local_date(late_monday_utc, "America/Los_Angeles") == "2026-11-23"
