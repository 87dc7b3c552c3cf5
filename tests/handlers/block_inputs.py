"""Inputs for the builder tests: ordinary ones and hostile ones at every size the domain allows."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from cadence.accountability.owners import STAGE_MAX
from cadence.accountability.workflows import NAME_MAX, OUTCOME_MAX
from storage.models import CouncilMember, DecisionRight, OwnerAssignment, Workflow
from tests.blockkit import text_objects

TEAM = "T0TEAM"
CHANNEL = "CGOV"

# Things user text must never become in mrkdwn: a mention, a broadcast, a channel, a disguised link.
FORGED = ("<@U123>", "<!here>", "<#C999>", "<https://evil.example|")


def hostile(index: int, length: int) -> str:
    """Exactly `length` characters full of mrkdwn syntax, starting with every forged token."""
    text = f"<@U123> {index:03d} <!here> & *b* <#C999> <https://evil.example|y> " + "<&>*_" * 200
    assert len(text) > length
    return text[:length]


HOSTILE_OUTCOME = hostile(0, OUTCOME_MAX)


def workflow(
    index: int = 1,
    *,
    name: str = "Support resolution",
    outcome: str | None = "reduce time to resolution",
    risk: str = "high",
) -> Workflow:
    """A workflow as the database would hand it over."""
    return Workflow(
        id=index,
        team_id=TEAM,
        name=name,
        name_key=name.casefold(),
        channel_id=CHANNEL,
        business_outcome=outcome,
        risk_tier=risk,
        created_by="UADMIN",
    )


def hostile_workflow(index: int) -> Workflow:
    """The longest name and outcome allowed, both full of markup and fake mentions."""
    return workflow(index, name=hostile(index, NAME_MAX), outcome=HOSTILE_OUTCOME)


def workflows(count: int, *, hostile_names: bool = False) -> list[Workflow]:
    """`count` workflows with distinct names."""
    if hostile_names:
        return [hostile_workflow(i) for i in range(1, count + 1)]
    return [workflow(i, name=f"Workflow {i:03d}") for i in range(1, count + 1)]


def hostile_stages(count: int) -> dict[str, str]:
    """`count` stage names of the longest length allowed, each owned by someone."""
    return {hostile(i, STAGE_MAX): f"US{i:07d}" for i in range(count)}


def council(count: int) -> list[str]:
    """User ids of a council of `count` members."""
    return [f"UC{i:07d}" for i in range(count)]


def store(db: Session, rows: Iterable[object]) -> None:
    """Insert rows directly, as if the domain had written them."""
    for row in rows:
        db.add(row)
        db.flush()


def store_workflow(db: Session, wf: Workflow) -> Workflow:
    """A workflow row (without the fixed id the in-memory factories give)."""
    wf.id = None
    store(db, [wf])
    return wf


def store_owner(db: Session, wf: Workflow, role: str, user_id: str, stage: str = "") -> None:
    """A current owner assignment."""
    store(
        db,
        [
            OwnerAssignment(
                workflow_id=wf.id or 0,
                role=role,
                stage=stage,
                user_id=user_id,
                assigned_by="UADMIN",
            )
        ],
    )


def store_council(db: Session, user_ids: Iterable[str]) -> None:
    """Seat these people on the council."""
    store(db, [CouncilMember(team_id=TEAM, user_id=u, added_by="UADMIN") for u in user_ids])


def store_right(db: Session, wf: Workflow, point: str, duty: str, parties: list[str]) -> None:
    """One stored decision-rights entry."""
    store(
        db,
        [
            DecisionRight(
                workflow_id=wf.id or 0,
                decision_point=point,
                duty=duty,
                parties=parties,
                updated_by="UADMIN",
            )
        ],
    )


def assert_user_text_escaped(payload: object) -> None:
    """No mrkdwn text carries a forged token, and the escaped user text is really shown."""
    texts = text_objects(payload, kind="mrkdwn")
    raw = []
    for index, text in enumerate(texts):
        for token in FORGED:
            at = text.find(token)
            if at >= 0:
                raw.append(
                    f"mrkdwn text #{index} has raw {token!r}: …{text[max(0, at - 40) : at + 60]!r}…"
                )
    assert not raw, "user text not escaped:\n  " + "\n  ".join(raw)
    assert any("&lt;@U123&gt;" in text for text in texts), "the hostile text is not shown at all"
