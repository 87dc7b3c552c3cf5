"""The reset's twelve items, what a check finds, and how an item stands on a given moment.

Every item is checked from the data (never ticked by hand): a check returns `Evidence`, who
did it and when, or what is missing and who should act. Its state then follows from the
moment and the end of its week: done, done late, open, late (open past its week) or, once the
reset has ended, missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class ItemKey(StrEnum):
    """The reset's items, in checklist order."""

    WORKFLOW_CHOSEN = "workflow_chosen"
    OWNERS_ASSIGNED = "owners_assigned"
    MAP_PUBLISHED = "map_published"
    SCORECARD_BASELINED = "scorecard_baselined"
    TRIGGERS_DEFINED = "triggers_defined"
    RIGHTS_CONFIRMED = "rights_confirmed"
    SESSIONS_DECIDED = "sessions_decided"
    FOLLOW_THROUGH = "follow_through"
    GAPS_CLOSED = "gaps_closed"
    TREND_REVIEWED = "trend_reviewed"
    FINAL_DECISION = "final_decision"
    NEXT_FOCUS = "next_focus"


@dataclass(frozen=True)
class ItemSpec:
    """An item's week (1-4) and how it reads."""

    key: ItemKey
    week: int
    title: str


ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(ItemKey.WORKFLOW_CHOSEN, 1, "Focus workflow chosen"),
    ItemSpec(ItemKey.OWNERS_ASSIGNED, 1, "Outcome owner and workflow owner assigned"),
    ItemSpec(ItemKey.MAP_PUBLISHED, 1, "Escalation map published"),
    ItemSpec(ItemKey.SCORECARD_BASELINED, 2, "Scorecard baselined (a first complete week)"),
    ItemSpec(ItemKey.TRIGGERS_DEFINED, 2, "Risk-review triggers defined"),
    ItemSpec(ItemKey.RIGHTS_CONFIRMED, 2, "Decision rights confirmed by the council"),
    ItemSpec(ItemKey.SESSIONS_DECIDED, 3, "Two governance sessions with a recorded decision"),
    ItemSpec(ItemKey.FOLLOW_THROUGH, 3, "Decisions followed through"),
    ItemSpec(ItemKey.GAPS_CLOSED, 3, "Ownership gaps closed"),
    ItemSpec(ItemKey.TREND_REVIEWED, 4, "Trend reviewed in the 30-day review"),
    ItemSpec(ItemKey.FINAL_DECISION, 4, "Scale, stabilize or stop decided"),
    ItemSpec(ItemKey.NEXT_FOCUS, 4, "Next 30-day focus workflow set"),
)
SPEC_OF: dict[ItemKey, ItemSpec] = {spec.key: spec for spec in ITEMS}


class ItemState(StrEnum):
    """How an item stands."""

    DONE = "done"  # done within its week (or before the reset)
    DONE_LATE = "done_late"  # done after its week ended
    OPEN = "open"  # not yet, and its week is not over
    LATE = "late"  # not yet, and its week is over
    MISSED = "missed"  # never done while the reset ran


@dataclass(frozen=True)
class Evidence:
    """What a check found: done by `who` at `when` (with `detail`), or `missing` and `act`
    (who should do what). `who` is a Slack user id, or "cadence"."""

    done: bool
    detail: str = ""
    who: str | None = None
    when: datetime | None = None
    missing: str = ""
    act: str = ""


class ItemResult(BaseModel):
    """One item as the checklist shows it (stored as JSON when the reset ends)."""

    key: ItemKey
    week: int
    title: str
    state: ItemState
    detail: str = ""
    who: str | None = None
    when: datetime | None = None
    missing: str = ""
    act: str = ""


def judge(
    spec: ItemSpec, evidence: Evidence, *, deadline: datetime, moment: datetime, ended: bool
) -> ItemResult:
    """The item's state at `moment` given its evidence and the end of its week."""
    if evidence.done:
        late = evidence.when is not None and evidence.when >= deadline
        state = ItemState.DONE_LATE if late else ItemState.DONE
    elif ended:
        state = ItemState.MISSED
    else:
        state = ItemState.LATE if moment >= deadline else ItemState.OPEN
    return ItemResult(
        key=spec.key,
        week=spec.week,
        title=spec.title,
        state=state,
        detail=evidence.detail,
        who=evidence.who,
        when=evidence.when,
        missing=evidence.missing,
        act=evidence.act,
    )


def tally(results: list[ItemResult]) -> dict[str, list[ItemResult]]:
    """The summary's three piles: done (on time), late (done after its week) and missed
    (not done; open items count as missed once the reset is over)."""
    piles: dict[str, list[ItemResult]] = {"done": [], "late": [], "missed": []}
    for result in results:
        if result.state == ItemState.DONE:
            piles["done"].append(result)
        elif result.state == ItemState.DONE_LATE:
            piles["late"].append(result)
        else:
            piles["missed"].append(result)
    return piles
