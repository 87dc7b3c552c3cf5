"""The AI council: seating and removing members, with history."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from cadence.accountability import council
from cadence.errors import Conflict, InvalidInput, NotAuthorized
from storage.models import CouncilMember
from tests.cadence.helpers import (
    ADMIN,
    DANA,
    EVE,
    GONE,
    HELPER_BOT,
    LI,
    OTHER_TEAM,
    SAM,
    TEAM,
    audit_rows,
    outbox_by_key,
    outbox_keys,
    seat,
)


def _all_rows(db: Session) -> list[CouncilMember]:
    return list(db.exec(select(CouncilMember).order_by(col(CouncilMember.id))).all())


def test_add_seats_a_member_with_audit_and_dm(db: Session) -> None:
    member = council.add_member(db, team_id=TEAM, person=LI, actor=ADMIN)
    assert (member.user_id, member.added_by, member.removed_at) == ("ULI", "UADMIN", None)
    assert council.member_ids(db, team_id=TEAM) == ["ULI"]
    [event] = audit_rows(db)
    assert (event.action, event.actor, event.detail) == (
        "council.member_added",
        "UADMIN",
        {"user_id": "ULI"},
    )
    key = f"council-added:{member.id}:dm"
    assert outbox_keys(db) == [key]
    payload = outbox_by_key(db)[key].payload
    assert payload["channel"] == "ULI"
    assert payload["text"].startswith("<@UADMIN> added you to the AI council.")


def test_list_is_longest_serving_first_and_per_team(db: Session) -> None:
    seat(db, SAM, LI, DANA)
    seat(db, EVE, team_id=OTHER_TEAM)
    assert [m.user_id for m in council.list_members(db, team_id=TEAM)] == ["USAM", "ULI", "UDANA"]
    assert council.member_ids(db, team_id=OTHER_TEAM) == ["UEVE"]


def test_adding_a_current_member_again_is_a_conflict(db: Session) -> None:
    seat(db, LI)
    with pytest.raises(Conflict, match=r"<@ULI> is already on the AI council"):
        council.add_member(db, team_id=TEAM, person=LI, actor=ADMIN)
    assert len(_all_rows(db)) == 1
    assert len(audit_rows(db)) == 1


@pytest.mark.parametrize("person", [HELPER_BOT, GONE], ids=["bot", "deactivated"])
def test_bots_and_leavers_cannot_sit_on_the_council(db: Session, person) -> None:
    with pytest.raises(InvalidInput) as caught:
        council.add_member(db, team_id=TEAM, person=person, actor=ADMIN)
    assert caught.value.field == "person"
    assert council.member_ids(db, team_id=TEAM) == []


def test_non_members_cannot_change_the_council(db: Session) -> None:
    seat(db, LI)
    with pytest.raises(NotAuthorized):
        council.add_member(db, team_id=TEAM, person=EVE, actor=EVE)
    with pytest.raises(NotAuthorized):
        council.remove_member(db, team_id=TEAM, person=LI, actor=EVE)
    assert council.member_ids(db, team_id=TEAM) == ["ULI"]


def test_remove_keeps_the_row_as_history(db: Session, frozen_clock) -> None:
    seat(db, LI, SAM)
    frozen_clock.advance(hours=2)
    removed = council.remove_member(db, team_id=TEAM, person=LI, actor=SAM)
    assert council.member_ids(db, team_id=TEAM) == ["USAM"]
    db.expire_all()
    rows = _all_rows(db)
    assert [(r.user_id, r.removed_at, r.removed_by) for r in rows] == [
        ("ULI", frozen_clock.current, "USAM"),
        ("USAM", None, None),
    ]
    assert audit_rows(db)[-1].action == "council.member_removed"
    assert audit_rows(db)[-1].detail == {"user_id": "ULI"}
    key = f"council-removed:{removed.id}:dm"
    assert outbox_keys(db)[-1] == key
    assert outbox_by_key(db)[key].payload == {
        "channel": "ULI",
        "text": "<@USAM> removed you from the AI council.",
    }


def test_removing_a_non_member_is_refused(db: Session) -> None:
    seat(db, LI)
    with pytest.raises(InvalidInput, match=r"<@UEVE> is not on the AI council"):
        council.remove_member(db, team_id=TEAM, person=EVE, actor=ADMIN)
    assert len(audit_rows(db)) == 1


def test_rejoining_adds_a_new_row_beside_the_old(db: Session) -> None:
    seat(db, LI)
    council.remove_member(db, team_id=TEAM, person=LI, actor=ADMIN)
    with pytest.raises(InvalidInput):
        council.remove_member(db, team_id=TEAM, person=LI, actor=ADMIN)
    again = council.add_member(db, team_id=TEAM, person=LI, actor=ADMIN)
    rows = _all_rows(db)
    assert len(rows) == 2
    assert rows[0].removed_at is not None
    assert rows[1].id == again.id
    assert rows[1].removed_at is None
    assert council.member_ids(db, team_id=TEAM) == ["ULI"]
    # A fresh row means a fresh welcome DM, not a swallowed duplicate.
    assert f"council-added:{again.id}:dm" in outbox_keys(db)
    assert len([k for k in outbox_keys(db) if k.startswith("council-added:")]) == 2


def test_last_member_may_leave_and_admins_reseat(db: Session) -> None:
    seat(db, LI)
    council.remove_member(db, team_id=TEAM, person=LI, actor=LI)
    assert council.member_ids(db, team_id=TEAM) == []
    with pytest.raises(NotAuthorized):
        council.add_member(db, team_id=TEAM, person=LI, actor=LI)
    council.add_member(db, team_id=TEAM, person=LI, actor=ADMIN)
    assert council.member_ids(db, team_id=TEAM) == ["ULI"]
