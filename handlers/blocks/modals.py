"""Modals: assign an owner, edit decision rights, and the confirmation shown after saving."""

from __future__ import annotations

import json
import re
from typing import Any

from cadence.accountability.authority import council_matters_for
from cadence.accountability.queries import Owners, RightsMap
from cadence.accountability.rights import party_label, valid_parties
from cadence.text import unescape
from cadence.vocabulary import DecisionPoint, Duty, OwnerRole
from handlers.blocks.kit import context, escape, option, plain, section
from handlers.ids import INPUT_ACTION, OwnerField, View, rights_block_id
from slackfake.limits import LIMITS
from storage.models import Workflow

NOBODY = "none"


def _modal(callback_id: str, title: str, blocks: list[dict[str, Any]], **extra: Any) -> dict:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, LIMITS.modal_title),
        "close": plain("Cancel", LIMITS.modal_button),
        "blocks": blocks,
    }
    view.update(extra)
    return view


def _input(block_id: str, label: str, element: dict[str, Any], **extra: Any) -> dict[str, Any]:
    block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LIMITS.input_label),
        "element": element,
    }
    block.update(extra)
    return block


def build_owner_modal(workflows: list[Workflow]) -> dict[str, Any]:
    """Pick a workflow, a role (and stage) and a person."""
    roles = [option("Outcome owner — accountable for the business result", OwnerRole.OUTCOME),
             option("Workflow owner — accountable for end-to-end execution", OwnerRole.WORKFLOW),
             option("Stage owner — one stage, e.g. intake or exception handling",
                    OwnerRole.STAGE)]  # fmt: skip
    blocks = [
        _input(OwnerField.WORKFLOW, "Workflow", {
            "type": "static_select", "action_id": INPUT_ACTION,
            "placeholder": plain("Choose a workflow", LIMITS.placeholder),
            "options": [option(w.name, str(w.id)) for w in workflows[:LIMITS.select_options]],
        }),
        _input(OwnerField.ROLE, "Role", {
            "type": "radio_buttons", "action_id": INPUT_ACTION, "options": roles,
            "initial_option": roles[0],
        }),
        _input(OwnerField.STAGE, "Stage (stage owners only)", {
            "type": "plain_text_input", "action_id": INPUT_ACTION, "max_length": 80,
            "placeholder": plain("e.g. Exception handling", LIMITS.placeholder),
        }, optional=True),
        _input(OwnerField.PERSON, "Person", {
            "type": "users_select", "action_id": INPUT_ACTION,
            "placeholder": plain("Choose a person", LIMITS.placeholder),
        }),
    ]  # fmt: skip
    return _modal(
        View.OWNER, "Assign an owner", blocks, submit=plain("Assign", LIMITS.modal_button)
    )


def build_rights_modal(workflow: Workflow, owners: Owners, current: RightsMap) -> dict[str, Any]:
    """One select per duty per decision point, preset to the map in force."""
    # Slack allows 100 options per select; owners.STAGES_PER_WORKFLOW_MAX keeps us far below.
    parties = valid_parties(owners)[: LIMITS.select_options - 1]
    role_options = [option(unescape(party_label(p)), p) for p in parties]
    single_options = [*role_options, option("Nobody (unset)", NOBODY)]
    blocks: list[dict[str, Any]] = [
        section(
            f"Decision rights for *{escape(workflow.name)}*. Rights name roles, so they follow "
            "whoever holds the role. Council-only matters go to the AI council regardless."
        )
    ]
    for point in DecisionPoint:
        blocks.append(section(f"*{point.label}*"))
        matters = council_matters_for(point)
        if matters:
            blocks.append(
                context("Always the AI council: " + ", ".join(m.label.lower() for m in matters))
            )
        for duty in Duty:
            chosen = [p for p in current[point][duty] if p in parties]
            block_id = rights_block_id(point, duty)
            label = f"{duty.value.capitalize()}"
            if duty == Duty.INFORMED:
                element: dict[str, Any] = {
                    "type": "multi_static_select",
                    "action_id": INPUT_ACTION,
                    "options": role_options,
                    "placeholder": plain("Nobody", LIMITS.placeholder),
                }
                if chosen:
                    element["initial_options"] = [
                        option(unescape(party_label(p)), p) for p in chosen
                    ]
                blocks.append(_input(block_id, label, element, optional=True))
                continue
            initial = chosen[0] if chosen else NOBODY
            element = {
                "type": "static_select",
                "action_id": INPUT_ACTION,
                "options": single_options,
                "initial_option": next(o for o in single_options if o["value"] == initial),
            }
            blocks.append(_input(block_id, label, element))
    return _modal(
        View.RIGHTS,
        "Decision rights",
        blocks,
        submit=plain("Save", LIMITS.modal_button),
        private_metadata=json.dumps({"workflow_id": workflow.id}),
    )


def build_done_modal(title: str, text: str) -> dict[str, Any]:
    """The view a modal turns into after a successful save."""
    return _modal("done", title, [section(text)])


def modal_error(text: str) -> str:
    """A domain message made readable in a modal's plain-text error slot."""
    text = re.sub(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>", "that person", text)
    return text.replace("*", "").replace("`", "").replace("_", "")[:2000]
