"""The one-page escalation map of a workflow, with every gap called out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import Session

from cadence.accountability import council, queries, rights
from cadence.accountability.authority import council_matters_for
from cadence.people import Person, mention
from cadence.text import escape
from cadence.vocabulary import CouncilMatter, DecisionPoint, Duty
from storage.models import Workflow, pk


@dataclass
class DutyLine:
    """Who holds one duty at one decision point."""

    duty: Duty
    parties: list[str]
    people: list[str]


@dataclass
class MapRow:
    """One decision point of the map."""

    point: DecisionPoint
    duties: list[DutyLine]
    council_matters: list[CouncilMatter]
    gaps: list[str] = field(default_factory=list)


@dataclass
class EscalationMap:
    """Everything the map message shows."""

    workflow: Workflow
    owners: queries.Owners
    council_ids: list[str]
    rows: list[MapRow]
    gaps: list[str]


def people_to_check(db: Session, *, workflow: Workflow) -> set[str]:
    """User ids whose Slack status (active, left) the map depends on."""
    current = queries.current_owners(db, workflow_id=pk(workflow))
    return current.user_ids() | set(council.member_ids(db, team_id=workflow.team_id))


def has_left(user_id: str, people: Mapping[str, Person | None]) -> bool:
    """True when Slack says the person is deactivated or no longer exists."""
    person = people.get(user_id, Person(id=user_id))
    return person is None or person.deleted


def build_map(
    db: Session, *, workflow: Workflow, people: Mapping[str, Person | None]
) -> EscalationMap:
    """The map in force with its gaps; `people` holds Slack's view of each user id."""
    current = queries.current_owners(db, workflow_id=pk(workflow))
    council_ids = council.member_ids(db, team_id=workflow.team_id)
    gaps = current.gaps()
    for label, user in (("outcome owner", current.outcome), ("workflow owner", current.workflow)):
        if user and has_left(user, people):
            gaps.append(f"{label} {mention(user)} has left the workspace")
    for stage, user in current.stages.items():
        if has_left(user, people):
            gaps.append(f"stage owner for “{escape(stage)}” {mention(user)} has left the workspace")
    if not council_ids:
        gaps.append("no AI council yet: council-only matters have nowhere to go")
    rows = []
    for point, duties in queries.rights_map(db, workflow_id=pk(workflow)).items():
        row = MapRow(point, [], council_matters_for(point))
        for duty, parties in duties.items():
            resolved = [u for p in parties for u in queries.resolve_party(p, current, council_ids)]
            row.duties.append(DutyLine(duty, parties, resolved))
            noun = rights.DUTY_NOUNS[duty]
            if not resolved and duty != Duty.INFORMED:
                row.gaps.append(f"{noun} unset")
            for user in dict.fromkeys(resolved):
                if has_left(user, people):
                    row.gaps.append(f"{noun} {mention(user)} has left the workspace")
        rows.append(row)
    return EscalationMap(workflow, current, council_ids, rows, gaps)
