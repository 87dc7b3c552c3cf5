"""The escalation modals: raise one, resolve it with a note, hand it off to a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cadence.escalations.raising import DETAILS_MAX, LINK_MAX, SUMMARY_MAX, Severity
from cadence.vocabulary import CouncilMatter, DecisionPoint
from handlers.blocks.kit import context, escape, option, plain, truncate
from handlers.ids import INPUT_ACTION, EscalationField, EscalationView
from slackfake.limits import LIMITS
from storage.models import Workflow

POINT_PREFIX, MATTER_PREFIX = "point:", "matter:"


@dataclass(frozen=True)
class Prefill:
    """What the modal starts with, read from the command and the channel it came from."""

    workflow_id: int | None = None
    kind: str | None = None
    summary: str = ""


def kind_value(kind: DecisionPoint | CouncilMatter) -> str:
    """The option value of a decision point or council matter."""
    prefix = MATTER_PREFIX if isinstance(kind, CouncilMatter) else POINT_PREFIX
    return prefix + kind.value


def read_kind(value: str) -> DecisionPoint | CouncilMatter:
    """The decision point or council matter an option value names (ValueError if none)."""
    if value.startswith(MATTER_PREFIX):
        return CouncilMatter(value.removeprefix(MATTER_PREFIX))
    return DecisionPoint(value.removeprefix(POINT_PREFIX))


def _kind_options() -> dict[str, list[dict[str, Any]]]:
    return {
        "Decision points": [option(p.label, kind_value(p)) for p in DecisionPoint],
        "Council matters (the council decides)": [
            option(m.label, kind_value(m)) for m in CouncilMatter
        ],
    }


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LIMITS.input_label),
        "element": {"action_id": INPUT_ACTION, **element},
    }
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = plain(hint, LIMITS.input_hint)
    return block


def _text(
    max_length: int, *, initial: str = "", multiline: bool = False, placeholder: str = ""
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = truncate(initial, max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder, LIMITS.placeholder)
    return element


def _modal(
    callback_id: str, title: str, submit: str, blocks: list[dict[str, Any]], metadata: str
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, LIMITS.modal_title),
        "submit": plain(submit, LIMITS.modal_button),
        "close": plain("Cancel", LIMITS.modal_button),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def build_escalation_modal(
    workflows: list[Workflow], *, prefill: Prefill, metadata: str
) -> dict[str, Any]:
    """Workflow, kind, severity, summary, details and link; preset from the command."""
    choices = [option(w.name, str(w.id)) for w in workflows[: LIMITS.select_options]]
    workflow: dict[str, Any] = {
        "type": "static_select",
        "options": choices,
        "placeholder": plain("Choose a workflow", LIMITS.placeholder),
    }
    chosen = next((o for o in choices if o["value"] == str(prefill.workflow_id)), None)
    if chosen is not None:
        workflow["initial_option"] = chosen
    groups = _kind_options()
    kind: dict[str, Any] = {
        "type": "static_select",
        "placeholder": plain("What needs deciding?", LIMITS.placeholder),
        "option_groups": [
            {"label": plain(label, LIMITS.option_group_label), "options": options}
            for label, options in groups.items()
        ],
    }
    picked = next((o for g in groups.values() for o in g if o["value"] == prefill.kind), None)
    if picked is not None:
        kind["initial_option"] = picked
    severities = [
        {**option(s.label, s.value), "description": plain(s.hint, LIMITS.option_description)}
        for s in Severity
    ]
    blocks = [
        _input(EscalationField.WORKFLOW, "Workflow", workflow),
        _input(
            EscalationField.KIND,
            "Decision point",
            kind,
            hint="Council matters go to the AI council as well as to the owner.",
        ),
        _input(
            EscalationField.SEVERITY,
            "Severity",
            {"type": "radio_buttons", "options": severities, "initial_option": severities[2]},
        ),
        _input(
            EscalationField.SUMMARY,
            "What happened?",
            _text(
                SUMMARY_MAX,
                initial=prefill.summary,
                placeholder="One line, e.g. the refund bot promised credits outside policy",
            ),
        ),
        _input(
            EscalationField.DETAILS, "Details", _text(DETAILS_MAX, multiline=True), optional=True
        ),
        _input(
            EscalationField.LINK,
            "Link",
            {"type": "url_text_input", "placeholder": plain("https://…", LIMITS.placeholder)},
            optional=True,
            hint=f"A ticket, dashboard or thread (http or https, up to {LINK_MAX} characters).",
        ),
        context("It goes to whoever the decision-rights map says approves this decision."),
    ]
    return _modal(EscalationView.RAISE, "Escalate", "Escalate", blocks, metadata)


def build_resolve_modal(number: int, summary: str, metadata: str) -> dict[str, Any]:
    """Ask for the resolution note."""
    blocks = [
        context(f"*#{number}* {escape(truncate(summary, 300))}"),
        _input(EscalationField.NOTE, "How was it resolved?", _text(3000, multiline=True)),
    ]
    return _modal(EscalationView.RESOLVE, f"Resolve #{number}", "Resolve", blocks, metadata)


def build_hand_off_modal(number: int, summary: str, metadata: str) -> dict[str, Any]:
    """Ask for the person to hand it to, and why."""
    blocks = [
        context(f"*#{number}* {escape(truncate(summary, 300))}"),
        _input(
            EscalationField.PERSON,
            "Hand it to",
            {"type": "users_select", "placeholder": plain("Choose a person", LIMITS.placeholder)},
        ),
        _input(EscalationField.REASON, "Why?", _text(500, multiline=True)),
        context("They become its owner and must acknowledge it."),
    ]
    return _modal(EscalationView.HAND_OFF, f"Hand off #{number}", "Hand off", blocks, metadata)
