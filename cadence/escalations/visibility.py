"""Who may see an escalation, and how much: the need-to-know rules in one place.

- **What it says** (summary, details, link, notes and reasons): its reporter, everyone who holds
  or held it, and the AI council; for an escalation that is not confidential, also the people
  its workflow's map informs (or who approve that decision) and the members of the workflow's
  governance channel.
- **That it exists** (number, workflow, owner, status): those people, also for a confidential
  one: "Confidential escalation #12 on Support resolution, owned by @maria".
- Anyone else sees nothing; asking is refused politely and kept in the audit log.
- The monthly council report (which may go to a channel) and exports made in Slack say
  WITHHELD instead of a confidential escalation's words; an export shows them to a council
  member, and to its reporter and current owner.

A compliance exception is always confidential.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from sqlmodel import Session, col, select

from cadence import audit
from cadence.accountability import council, queries
from cadence.people import mention
from cadence.text import escape
from cadence.vocabulary import CouncilMatter, DecisionPoint, Duty
from storage.models import Escalation, EscalationEvent, Workflow, pk

# Whether a person is in a Slack channel: (channel_id, user_id) -> bool, asked only when needed.
ChannelCheck = Callable[[str, str], bool]
# Steps whose detail names who held the escalation before or after them.
_HAND_STEPS = ("routed", "handed_off", "rerouted", "acknowledged")


class Sight(StrEnum):
    """How much of an escalation a person may see."""

    DETAILS = "details"
    EXISTENCE = "existence"
    NOTHING = "nothing"


def is_confidential_kind(matter: CouncilMatter | None) -> bool:
    """Kinds that are confidential whatever the reporter ticked."""
    return matter == CouncilMatter.COMPLIANCE_EXCEPTION


def holders_ever(db: Session, escalation: Escalation) -> set[str]:
    """Everyone who holds it now or held it before (a council member who took it over too)."""
    people = {escalation.routed_to} if escalation.routed_to else set()
    events = db.exec(
        select(EscalationEvent).where(
            EscalationEvent.escalation_id == pk(escalation),
            col(EscalationEvent.kind).in_(_HAND_STEPS),
        )
    ).all()
    for event in events:
        people |= {event.detail.get("to"), event.detail.get("from")} - {None}
        if event.kind == "acknowledged" and event.detail.get("took_over"):
            people.add(event.actor)
    return {str(p) for p in people}


def kept_informed(db: Session, escalation: Escalation, workflow: Workflow) -> set[str]:
    """The people the map informs of (or has approve) the escalation's decision point."""
    council_ids = council.member_ids(db, team_id=escalation.team_id)
    current = queries.current_owners(db, workflow_id=pk(workflow))
    duties = queries.rights_map(db, workflow_id=pk(workflow))[
        DecisionPoint(escalation.decision_point)
    ]
    parties = [*duties[Duty.INFORMED], *duties[Duty.APPROVES]]
    return {u for p in parties for u in queries.resolve_party(p, current, council_ids)}


def sight(
    db: Session,
    escalation: Escalation,
    workflow: Workflow,
    viewer: str,
    *,
    in_channel: ChannelCheck,
) -> Sight:
    """How much of the escalation `viewer` may see (the channel is asked about last)."""
    inner = {escalation.raised_by, *council.member_ids(db, team_id=escalation.team_id)}
    if viewer in inner or viewer in holders_ever(db, escalation):
        return Sight.DETAILS
    outer = viewer in kept_informed(db, escalation, workflow) or in_channel(
        workflow.channel_id, viewer
    )
    if not outer:
        return Sight.NOTHING
    return Sight.EXISTENCE if escalation.confidential else Sight.DETAILS


def refuse(db: Session, escalation: Escalation, viewer: str) -> str:
    """Keep the attempt in the audit log; the polite refusal to show."""
    audit.record(
        db,
        team_id=escalation.team_id,
        actor=viewer,
        action="escalation.view_refused",
        workflow_id=escalation.workflow_id,
        escalation_id=escalation.id,
    )
    return (
        f"Escalation #{escalation.id} is not yours to see: only the person who raised it, the "
        "people who hold or held it, the people its workflow's map keeps informed, the AI "
        "council and the members of its governance channel can. If you need it, ask its owner."
    )


# What reports and exports say instead of a confidential escalation's words.
WITHHELD = "(confidential)"


def shown_summary(escalation: Escalation) -> str:
    """The summary, or WITHHELD for a confidential escalation (reports go beyond its owners)."""
    return WITHHELD if escalation.confidential else escalation.summary


def existence_line(escalation: Escalation, workflow: Workflow) -> str:
    """'Confidential escalation #12 on *Support resolution*, owned by @maria'."""
    owner = (
        f"owned by {mention(escalation.routed_to)}"
        if escalation.routed_to
        else ("held by the AI council")
    )
    return f"Confidential escalation #{escalation.id} on *{escape(workflow.name)}*, {owner}"
