"""The AI council: the body above owners."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.accountability import authority
from cadence.errors import Conflict, InvalidInput
from cadence.people import Person, require_assignable
from storage.clock import now
from storage.models import CouncilMember, WorkspaceSettings


def list_members(db: Session, *, team_id: str) -> list[CouncilMember]:
    """Current council members, longest-serving first."""
    query = (
        select(CouncilMember)
        .where(CouncilMember.team_id == team_id, col(CouncilMember.removed_at).is_(None))
        .order_by(col(CouncilMember.id))
    )
    return list(db.exec(query).all())


def member_ids(db: Session, *, team_id: str) -> list[str]:
    """User ids of the current council."""
    return [m.user_id for m in list_members(db, team_id=team_id)]


def _current(db: Session, team_id: str, user_id: str) -> CouncilMember | None:
    query = select(CouncilMember).where(
        CouncilMember.team_id == team_id,
        CouncilMember.user_id == user_id,
        col(CouncilMember.removed_at).is_(None),
    )
    return db.exec(query).first()


def add_member(db: Session, *, team_id: str, person: Person, actor: Person) -> CouncilMember:
    """Seat `person` on the council; council members and workspace admins may do this."""
    authority.require_council_authority(db, team_id=team_id, actor=actor)
    require_assignable(person)
    if _current(db, team_id, person.id) is not None:
        raise Conflict(f"{person.mention} is already on the AI council.")
    member = CouncilMember(team_id=team_id, user_id=person.id, added_by=actor.id)
    db.add(member)
    db.flush()
    audit.record(db, team_id=team_id, actor=actor.id, action="council.member_added",
                 user_id=person.id)  # fmt: skip
    outbox.post_message(
        db,
        key=f"council-added:{member.id}:dm",
        team_id=team_id,
        channel=person.id,
        text=(
            f"{actor.mention} added you to the AI council. The council decides matters beyond "
            "an owner's authority: sev-1 incidents, budget overruns, compliance exceptions, "
            "major pivots, risk-tier changes and external commitments."
        ),
    )
    return member


def remove_member(db: Session, *, team_id: str, person: Person, actor: Person) -> CouncilMember:
    """Take `person` off the council (their membership stays in history)."""
    authority.require_council_authority(db, team_id=team_id, actor=actor)
    member = _current(db, team_id, person.id)
    if member is None:
        raise InvalidInput(f"{person.mention} is not on the AI council, so nothing changed.")
    member.removed_at = now()
    member.removed_by = actor.id
    db.add(member)
    audit.record(db, team_id=team_id, actor=actor.id, action="council.member_removed",
                 user_id=person.id)  # fmt: skip
    outbox.post_message(
        db,
        key=f"council-removed:{member.id}:dm",
        team_id=team_id,
        channel=person.id,
        text=f"{actor.mention} removed you from the AI council.",
    )
    return member


def council_channel(db: Session, *, team_id: str) -> str | None:
    """The channel where the council gets its reports, if one is set."""
    row = db.get(WorkspaceSettings, team_id)
    return row.council_channel_id if row is not None else None


def set_council_channel(
    db: Session, *, team_id: str, channel_id: str | None, actor: Person, default_zone: str
) -> str | None:
    """Set (or clear, with None) the council's channel; the channel it had before."""
    authority.require_council_authority(db, team_id=team_id, actor=actor)
    row = db.get(WorkspaceSettings, team_id) or WorkspaceSettings(
        team_id=team_id, timezone=default_zone
    )
    before = row.council_channel_id
    if before == channel_id:
        return before
    row.council_channel_id, row.updated_by, row.updated_at = channel_id, actor.id, now()
    db.add(row)
    db.flush()
    audit.record(db, team_id=team_id, actor=actor.id, action="council.channel_set",
                 before=before, after=channel_id)  # fmt: skip
    return before
