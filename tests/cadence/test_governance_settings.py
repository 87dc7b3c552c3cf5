"""Reading `/cadence settings` arguments, and who may change them."""

from __future__ import annotations

import pytest

from cadence.errors import InvalidInput, NotAuthorized
from cadence.governance.schedule import Schedule
from cadence.governance.settings import load_schedule, parse_schedule_change, update_schedule
from tests.cadence.helpers import ADMIN, DANA, EVE, TEAM, audit_actions, seat

NOW = Schedule("UTC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monday 09:30 Europe/Paris", Schedule("Europe/Paris", 0, 9, 30)),
        ("europe/paris thu", Schedule("Europe/Paris", 3, 9, 0)),
        ("14:05", Schedule("UTC", 0, 14, 5)),
        ("Fridays 4pm", Schedule("UTC", 4, 16, 0)),
        ("sat 12 am", Schedule("UTC", 5, 0, 0)),
        ("0930, America/New_York", Schedule("America/New_York", 0, 9, 30)),
        ("tuesday 7h15", Schedule("UTC", 1, 7, 15)),
    ],
)
def test_any_part_in_any_order(text, expected):
    assert parse_schedule_change(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "Say the day"),
        ("24:00", "not a time of day"),
        ("9:75", "not a time of day"),
        ("13pm", "not a time of day"),
        ("Mars/Olympus", "don't know *Mars/Olympus*"),
        ("<!channel>", "don't know *&lt;!channel&gt;*"),
    ],
)
def test_bad_parts_are_named(text, problem):
    with pytest.raises(InvalidInput, match=problem.replace("*", r"\*")):
        parse_schedule_change(text, NOW)


def test_only_the_council_or_an_admin_changes_the_schedule(db):
    wanted = Schedule("Europe/Paris", 2, 14, 30)
    with pytest.raises(NotAuthorized, match="only the AI council"):
        update_schedule(db, team_id=TEAM, actor=EVE, wanted=wanted, default_zone="UTC")
    assert load_schedule(db, team_id=TEAM, default_zone="Asia/Tokyo") == Schedule("Asia/Tokyo")
    update_schedule(db, team_id=TEAM, actor=ADMIN, wanted=wanted, default_zone="UTC")
    seat(db, DANA)
    before, after = update_schedule(
        db, team_id=TEAM, actor=DANA, wanted=Schedule("UTC"), default_zone="UTC"
    )
    assert (before, after) == (wanted, Schedule("UTC"))
    assert load_schedule(db, team_id=TEAM, default_zone="Asia/Tokyo") == Schedule("UTC")
    assert audit_actions(db).count("settings.updated") == 2
