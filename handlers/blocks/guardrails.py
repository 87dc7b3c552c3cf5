"""What the risk tier's guardrails add to escalation messages: the council's review, the
council's note on a high-risk workflow, and the approve / reject buttons of a tier change."""

from __future__ import annotations

import json
from typing import Any

from cadence.escalations.messages import headline, owner_phrase
from cadence.escalations.queries import Card
from cadence.people import mention
from handlers.blocks.kit import (
    button,
    context,
    escape,
    fallback_text,
    plain,
    section,
    truncate,
)
from handlers.ids import (
    INPUT_ACTION,
    EscalationAction,
    EscalationField,
    EscalationView,
    RiskTierAction,
)
from slackfake.limits import LIMITS


def review_line(card: Card) -> str | None:
    """Where the council's review stands, when the guardrail applies."""
    esc = card.escalation
    if card.tier_change is not None:
        return (
            ":classical_building: The AI council decides it: *Approve* changes the tier, "
            "*Reject* keeps it; either resolves this escalation."
        )
    if esc.council_reviewed_at is not None:
        note = escape(truncate(esc.council_review_note or "", 500))
        who = mention(esc.council_reviewed_by or "")
        return f":classical_building: Council review by {who}: {note}"
    if card.review_needed:
        return (
            ":classical_building: High-risk workflow: a council member reviews it (*Reviewed*, "
            "with a note) before it can be resolved."
        )
    return None


def tier_change_controls(card: Card) -> list[dict[str, Any]]:
    """The council's Approve / Reject buttons of a pending risk tier change."""
    change = card.tier_change
    if change is None:
        return []
    value = str(change.id)
    return [
        button(
            f"Approve: {change.from_tier} → {change.to_tier}",
            action_id=RiskTierAction.APPROVE,
            value=value,
            style="primary",
        ),
        button("Reject", action_id=RiskTierAction.REJECT, value=value, style="danger"),
    ]


def build_council_note(card: Card) -> dict[str, Any]:
    """What each council member gets about an escalation on a high-risk workflow."""
    esc, workflow = card.escalation, card.workflow
    lines = [
        ":classical_building: *For the AI council* (high-risk workflow): "
        + headline(esc, workflow),
        f"> {escape(truncate(esc.summary, 300))}",
        f"Raised by {mention(esc.raised_by)}. {owner_phrase(esc, card.council_ids)}",
    ]
    blocks: list[dict[str, Any]] = [section("\n".join(lines))]
    if (review := review_line(card)) is not None:
        blocks.append(context(review))
    if card.review_needed:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"escalation-council:{esc.id}",
                "elements": [
                    button(
                        "Reviewed",
                        action_id=EscalationAction.COUNCIL_REVIEW,
                        value=str(esc.id),
                        style="primary",
                    )
                ],
            }
        )
    text = f"For the AI council: {headline(esc, workflow)}: {escape(esc.summary)}"
    return {"text": fallback_text(text), "blocks": blocks}


def build_council_review_modal(number: int, summary: str) -> dict[str, Any]:
    """Ask the council member for the note of their review."""
    return {
        "type": "modal",
        "callback_id": EscalationView.COUNCIL_REVIEW,
        "title": plain(f"Review #{number}", LIMITS.modal_title),
        "submit": plain("Reviewed", LIMITS.modal_button),
        "close": plain("Cancel", LIMITS.modal_button),
        "private_metadata": json.dumps({"escalation_id": number}),
        "blocks": [
            context(f"*#{number}* {escape(truncate(summary, 300))}"),
            {
                "type": "input",
                "block_id": EscalationField.NOTE,
                "label": plain("What did the council review?", LIMITS.input_label),
                "element": {
                    "type": "plain_text_input",
                    "action_id": INPUT_ACTION,
                    "multiline": True,
                    "max_length": 3000,
                },
            },
            context("The owner keeps the decision; once reviewed, they can resolve it."),
        ],
    }
