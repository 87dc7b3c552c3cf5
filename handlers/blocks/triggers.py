"""Risk-review triggers: the modal that sets them, and the lines that show them."""

from __future__ import annotations

import json
from typing import Any

from cadence.governance.triggers import SPECS, Rule
from cadence.vocabulary import ScorecardMetric, TriggerDirection
from handlers.blocks.kit import context, escape, option, plain, section
from handlers.ids import INPUT_ACTION, View, trigger_block_id
from handlers.payloads import selected, text_input
from slackfake.limits import LIMITS

NO_TRIGGER = "none"
DIRECTION_OPTIONS = {
    NO_TRIGGER: "No trigger",
    TriggerDirection.ABOVE: "Above",
    TriggerDirection.BELOW: "Below",
    TriggerDirection.RISE: "Up more than (% week on week)",
}


def trigger_lines(rules: list[Rule], breached: set[str]) -> str:
    """'*Risk-review triggers:* Exception rate above 5% (:rotating_light: breached) · …'."""
    if not rules:
        return "*Risk-review triggers:* _none set_"
    shown = [
        escape(r.describe()) + (" (:rotating_light: past it now)" if r.metric in breached else "")
        for r in rules
    ]
    return "*Risk-review triggers:* " + " · ".join(shown)


def _input(block_id: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LIMITS.input_label),
        "element": {"action_id": INPUT_ACTION, **element},
        "optional": True,
    }


def build_triggers_modal(*, workflow_id: int, workflow_name: str, rules: list[Rule]) -> dict:
    """A direction and a threshold per scorecard metric, prefilled with the current triggers."""
    current = {r.metric: r for r in rules}
    options = {value: option(text, value) for value, text in DIRECTION_OPTIONS.items()}
    blocks: list[dict[str, Any]] = [
        section(
            f"*{escape(workflow_name)}* — when a reported (or computed) value crosses its "
            "trigger, a risk review opens in the governance channel and the owners are told."
        )
    ]
    for metric, spec in SPECS.items():
        rule = current.get(metric)
        initial = options[rule.direction if rule else NO_TRIGGER]
        blocks.append(
            _input(
                trigger_block_id(metric, "direction"),
                f"{spec.label}: trigger when",
                {
                    "type": "static_select",
                    "options": list(options.values()),
                    "initial_option": initial,
                },
            )
        )
        threshold: dict[str, Any] = {
            "type": "plain_text_input",
            "max_length": 20,
            "placeholder": plain(
                f"In {spec.unit}; a rise is in % week on week", LIMITS.placeholder
            ),
        }
        if rule is not None:
            threshold["initial_value"] = f"{rule.threshold:g}"
        blocks.append(
            _input(trigger_block_id(metric, "threshold"), f"{spec.label}: threshold", threshold)
        )
    blocks.append(context("Set by the outcome owner or the AI council; every change is audited."))
    return {
        "type": "modal",
        "callback_id": View.TRIGGERS,
        "title": plain("Risk-review triggers", LIMITS.modal_title),
        "submit": plain("Save", LIMITS.modal_button),
        "close": plain("Cancel", LIMITS.modal_button),
        "blocks": blocks,
        "private_metadata": json.dumps({"workflow_id": workflow_id}),
    }


def read_rows(view: dict[str, Any]) -> dict[ScorecardMetric, tuple[str | None, str | None]]:
    """(direction, threshold text) per metric, from a submitted triggers modal."""
    rows = {}
    for metric in SPECS:
        chosen = selected(view, trigger_block_id(metric, "direction"))
        threshold = text_input(view, trigger_block_id(metric, "threshold"))
        rows[metric] = (None if chosen in (None, NO_TRIGGER) else chosen, threshold)
    return rows
