"""Every action_id, callback_id and block_id the bot uses, in one place."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    """Slash commands; manifest.yml must declare exactly these."""

    CADENCE = "/cadence"
    OWNER = "/owner"
    ESCALATE = "/escalate"


class View(StrEnum):
    """Modal callback_ids."""

    OWNER = "owner-modal"
    RIGHTS = "rights-modal"
    DECISION = "governance-decision"
    SCORECARD = "scorecard-modal"
    TRIGGERS = "triggers-modal"
    SKIP_WEEK = "governance-skip-modal"
    GAP_NOTE = "gap-note-modal"
    KPI = "kpi-modal"


class OwnerField(StrEnum):
    """block_ids of the owner modal's inputs (each input's action_id is 'value')."""

    WORKFLOW = "owner-workflow"
    ROLE = "owner-role"
    STAGE = "owner-stage"
    PERSON = "owner-person"


INPUT_ACTION = "value"
RIGHTS_BLOCK_PREFIX = "rights"


def rights_block_id(point: str, duty: str) -> str:
    """block_id of one duty at one decision point in the rights modal."""
    return f"{RIGHTS_BLOCK_PREFIX}:{point}:{duty}"


class ReminderAction(StrEnum):
    """action_ids of the buttons on reminder DMs."""

    SNOOZE_HOUR = "reminder-snooze-1h"
    SNOOZE_DAY = "reminder-snooze-1d"
    ACTION_DONE = "action-item-done"


class ActionId(StrEnum):
    """action_ids of buttons in messages (each listener matches one, or a prefix)."""

    VOTE_CONTINUE = "governance-vote-continue"
    VOTE_STABILIZE = "governance-vote-stabilize"
    VOTE_PAUSE = "governance-vote-pause"
    VOTE_REDESIGN = "governance-vote-redesign"
    RECORD_DECISION = "governance-record"
    # value = the workflow id; works from any message (threads, DMs).
    SCORECARD_OPEN = "scorecard-open"
    # value = the session id; on the weekly thread of a low-risk workflow only.
    SKIP_WEEK = "governance-skip"
    # value = the workflow id; on the escalation map, for council members.
    RIGHTS_CONFIRM = "rights-confirm"
    # value = the gap's escalation event id; in /cadence gaps, for the outcome owner.
    GAP_ACKNOWLEDGE = "gap-acknowledge"
    # value = "WORKFLOW_ID:YYYY-MM-DD" (the week whose values the tree showed).
    KPI_SHOW_ALL = "kpi-show-all"


VOTE_ACTION_PREFIX = "governance-vote-"


def vote_action_id(choice: str) -> str:
    """action_id of the vote button for a governance choice."""
    return f"{VOTE_ACTION_PREFIX}{choice}"


class GovernanceBlock(StrEnum):
    """block_ids of the governance thread, the decision modal and the scorecard modal."""

    VOTES = "governance-votes"
    MANAGE = "governance-manage"
    CHOICE = "decision-choice"
    RATIONALE = "decision-rationale"
    RE_REVIEW = "decision-re-review"
    SKIP_REASON = "skip-reason"
    GAP_NOTE = "gap-note"


def follow_up_block_id(number: int, part: str) -> str:
    """block_id of part ('what', 'owner', 'due') of follow-up action `number` (1-3)."""
    return f"decision-action{number}-{part}"


def trigger_block_id(metric: str, part: str) -> str:
    """block_id of part ('direction' or 'threshold') of one metric's trigger in its modal."""
    return f"trigger-{metric}-{part}"


KPI_TREE_BLOCK = "kpi-tree"
KPI_VALUE_PREFIX = "kpi-value-"


def kpi_link_block_id(metric: str) -> str:
    """block_id of the node a scorecard metric serves, in the KPI tree modal."""
    return f"kpi-link-{metric}"


def kpi_value_block_id(node_id: int) -> str:
    """block_id of one KPI tree leaf's value in the scorecard modal."""
    return f"{KPI_VALUE_PREFIX}{node_id}"


def scorecard_block_id(metric: str) -> str:
    """block_id of one measure in the scorecard modal."""
    return f"scorecard-{metric}"


class EscalationView(StrEnum):
    """Modal callback_ids of escalations."""

    RAISE = "escalation-modal"
    RESOLVE = "escalation-resolve-modal"
    HAND_OFF = "escalation-hand-off-modal"
    COUNCIL_REVIEW = "escalation-council-review-modal"


class EscalationField(StrEnum):
    """block_ids of the escalation modals' inputs (each input's action_id is 'value')."""

    WORKFLOW = "escalation-workflow"
    KIND = "escalation-kind"
    SEVERITY = "escalation-severity"
    SUMMARY = "escalation-summary"
    DETAILS = "escalation-details"
    LINK = "escalation-link"
    CONFIDENTIAL = "escalation-confidential"
    NOTE = "escalation-note"
    PERSON = "escalation-person"
    REASON = "escalation-reason"


class EscalationAction(StrEnum):
    """action_ids of the buttons on escalation messages (the value is the escalation id)."""

    ACKNOWLEDGE = "escalation-acknowledge"
    RESOLVE = "escalation-resolve"
    HAND_OFF = "escalation-hand-off"
    COUNCIL_REVIEW = "escalation-council-review"


class RiskTierAction(StrEnum):
    """action_ids of the council's buttons on a risk tier change (the value is the request id)."""

    APPROVE = "risk-tier-approve"
    REJECT = "risk-tier-reject"
