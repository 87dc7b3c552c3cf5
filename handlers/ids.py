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


class ReminderAction(StrEnum):
    """action_ids of the buttons on reminder DMs."""

    SNOOZE_HOUR = "reminder-snooze-1h"
    SNOOZE_DAY = "reminder-snooze-1d"
    ACTION_DONE = "action-item-done"
