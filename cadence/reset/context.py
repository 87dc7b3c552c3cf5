"""What every check of a reset reads: the reset, its workflow, its calendar and the moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from cadence.accountability import authority, council, queries
from cadence.people import mention
from cadence.reset.calendar import ResetCalendar
from cadence.text import escape
from storage.models import AccountabilityReset, Workflow, pk


@dataclass(frozen=True)
class ResetContext:
    """A reset seen at one moment."""

    db: Session
    reset: AccountabilityReset
    workflow: Workflow
    calendar: ResetCalendar
    moment: datetime
    owners: queries.Owners
    council_ids: list[str]

    @classmethod
    def load(
        cls, db: Session, reset: AccountabilityReset, workflow: Workflow, moment: datetime
    ) -> ResetContext:
        """Read the owners and the council once for all the checks."""
        return cls(
            db,
            reset,
            workflow,
            calendar_of(reset),
            moment,
            queries.current_owners(db, workflow_id=pk(workflow)),
            council.member_ids(db, team_id=workflow.team_id),
        )

    @property
    def name(self) -> str:
        """The workflow's name, escaped for mrkdwn."""
        return escape(self.workflow.name)

    def council(self) -> str:
        """'a council member (@dana, @ada)' or 'the AI council (no members yet)'."""
        if not self.council_ids:
            return "the AI council (no members yet)"
        return f"a council member ({people(self.council_ids)})"

    def outcome_owner(self) -> str:
        """The outcome owner, or the council when there is none."""
        return mention(self.owners.outcome) if self.owners.outcome else self.council()

    def workflow_owner(self) -> str:
        """The workflow owner, or the outcome owner when there is none."""
        return mention(self.owners.workflow) if self.owners.workflow else self.outcome_owner()

    def approvers(self) -> str:
        """Who records governance decisions (the rights map's approvers, or the council)."""
        found = authority.governance_approvers(self.db, workflow=self.workflow)
        return people(found) if found else self.council()


def calendar_of(reset: AccountabilityReset) -> ResetCalendar:
    """The reset's calendar."""
    return ResetCalendar(reset.start_day, reset.timezone)


def people(user_ids: list[str], limit: int = 5) -> str:
    """'@a, @b and 2 more'."""
    unique = list(dict.fromkeys(user_ids))
    shown = ", ".join(mention(u) for u in unique[:limit])
    return shown + (f" and {len(unique) - limit} more" if len(unique) > limit else "")
