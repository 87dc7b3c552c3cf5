"""The live tally of a governance session's votes."""

from __future__ import annotations

from sqlmodel import Session, func, select

from cadence.vocabulary import VOTE_CHOICES, GovernanceChoice
from storage.models import Vote


def tally(db: Session, *, session_id: int) -> dict[GovernanceChoice, int]:
    """Votes per choice (every choice present, zero when nobody chose it)."""
    counts = dict.fromkeys(VOTE_CHOICES, 0)
    rows = db.exec(
        select(Vote.choice, func.count()).where(Vote.session_id == session_id).group_by(Vote.choice)
    ).all()
    for choice, count in rows:
        if choice in VOTE_CHOICES:
            counts[GovernanceChoice(choice)] = int(count)
    return counts


def leading_choice(counts: dict[GovernanceChoice, int]) -> GovernanceChoice | None:
    """The choice with the most votes, or None when nobody voted or the top is tied."""
    best = max(counts.values(), default=0)
    leaders = [c for c, n in counts.items() if n == best]
    return leaders[0] if best > 0 and len(leaders) == 1 else None
