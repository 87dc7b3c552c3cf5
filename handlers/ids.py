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


class EscalationView(StrEnum):
    """Modal callback_ids of escalations."""

    RAISE = "escalation-modal"
    RESOLVE = "escalation-resolve-modal"
    HAND_OFF = "escalation-hand-off-modal"


class EscalationField(StrEnum):
    """block_ids of the escalation modals' inputs (each input's action_id is 'value')."""

    WORKFLOW = "escalation-workflow"
    KIND = "escalation-kind"
    SEVERITY = "escalation-severity"
    SUMMARY = "escalation-summary"
    DETAILS = "escalation-details"
    LINK = "escalation-link"
    NOTE = "escalation-note"
    PERSON = "escalation-person"
    REASON = "escalation-reason"


class EscalationAction(StrEnum):
    """action_ids of the buttons on escalation messages (the value is the escalation id)."""

    ACKNOWLEDGE = "escalation-acknowledge"
    RESOLVE = "escalation-resolve"
    HAND_OFF = "escalation-hand-off"
