"""Every action_id, callback_id and block_id the bot uses, in one place."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    """Slash commands; manifest.yml must declare exactly these."""

    CADENCE = "/cadence"
    OWNER = "/owner"
    ESCALATE = "/escalate"
