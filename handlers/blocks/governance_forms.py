"""The form to skip a low-risk workflow's weekly thread, with its reason."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from handlers.blocks.kit import context, escape, plain, section
from handlers.ids import INPUT_ACTION, GovernanceBlock, View
from slackfake.limits import LIMITS


def build_skip_modal(session_id: int, workflow_name: str, week_start: date) -> dict[str, Any]:
    """Ask the outcome owner why the week is skipped."""
    return {
        "type": "modal",
        "callback_id": View.SKIP_WEEK,
        "title": plain("Skip this week", LIMITS.modal_title),
        "submit": plain("Skip", LIMITS.modal_button),
        "close": plain("Cancel", LIMITS.modal_button),
        "private_metadata": json.dumps({"session_id": session_id}),
        "blocks": [
            section(
                f"*{escape(workflow_name)}* — week of {week_start:%d %b %Y}. A low-risk workflow "
                "may skip its weekly thread; the skip is recorded as its decision."
            ),
            {
                "type": "input",
                "block_id": GovernanceBlock.SKIP_REASON,
                "label": plain("Why skip this week?", LIMITS.input_label),
                "element": {
                    "type": "plain_text_input",
                    "action_id": INPUT_ACTION,
                    "multiline": True,
                    "max_length": 3000,
                },
            },
            context("The workflow's status stays as it is."),
        ],
    }


def build_gap_note_modal(event_id: int, escalation_id: int, workflow_name: str) -> dict[str, Any]:
    """Ask the outcome owner how an ownership gap is closed (the note is kept as evidence)."""
    return {
        "type": "modal",
        "callback_id": View.GAP_NOTE,
        "title": plain("Acknowledge gap", LIMITS.modal_title),
        "submit": plain("Acknowledge", LIMITS.modal_button),
        "close": plain("Cancel", LIMITS.modal_button),
        "private_metadata": json.dumps({"event_id": event_id}),
        "blocks": [
            section(
                f"*{escape(workflow_name)}* — escalation #{escalation_id} changed hands (or was "
                "acted on) without explicit authority. Say how the gap is closed: who holds "
                "such matters now, what changed in the map."
            ),
            {
                "type": "input",
                "block_id": GovernanceBlock.GAP_NOTE,
                "label": plain("How is the gap closed?", LIMITS.input_label),
                "element": {
                    "type": "plain_text_input",
                    "action_id": INPUT_ACTION,
                    "multiline": True,
                    "max_length": 1000,
                },
            },
            context("Acknowledged gaps count as closed in a 30-day reset."),
        ],
    }
