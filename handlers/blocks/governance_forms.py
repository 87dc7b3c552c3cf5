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
