"""Reading what Slack hands back at the edge: ids in button values and private_metadata, and the
submitted state of a form. Anything damaged or out of date is a friendly InvalidInput, never a
KeyError deep in a listener: a button from an old message, a form from an older version of
Cadence, or a payload someone made up all get a plain answer and change nothing."""

from __future__ import annotations

import json
from typing import Any

from cadence.errors import InvalidInput
from handlers.ids import INPUT_ACTION

# Row ids fit PostgreSQL's integer; anything larger was never one of ours.
MAX_ID = 2**31 - 1
STALE_BUTTON = "That button no longer works; nothing changed. Run the command again."
STALE_FORM = "This form is out of date, so nothing was saved. Close it and open it again."


def parse_id(raw: object) -> int | None:
    """A row id carried back by Slack (ASCII digits, 1 to MAX_ID); None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 10:
        number = int(raw)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def first_action(body: dict[str, Any]) -> dict[str, Any]:
    """The clicked element of a block_actions payload ({} when there is none)."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else None
    return action if isinstance(action, dict) else {}


def button_text(body: dict[str, Any]) -> str:
    """The value a clicked button carries ('' when it carries none)."""
    value = first_action(body).get("value")
    return value if isinstance(value, str) else ""


def button_id(body: dict[str, Any]) -> int:
    """The row id a clicked button carries, or InvalidInput."""
    number = parse_id(button_text(body))
    if number is None:
        raise InvalidInput(STALE_BUTTON)
    return number


def form_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A form's private_metadata: the JSON object Cadence wrote, or InvalidInput."""
    raw = view.get("private_metadata") or "{}"
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput(STALE_FORM)
    return data


def metadata_id(view: dict[str, Any], key: str) -> int:
    """A row id kept in a form's private_metadata, or InvalidInput."""
    number = parse_id(form_metadata(view).get(key))
    if number is None:
        raise InvalidInput(STALE_FORM)
    return number


def field_state(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The submitted state of one input ({} when the block or its input is missing)."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(block_id) if isinstance(values, dict) else None
    entry = block.get(INPUT_ACTION) if isinstance(block, dict) else None
    return entry if isinstance(entry, dict) else {}


def text_input(view: dict[str, Any], block_id: str) -> str | None:
    """What was typed in a text input (None when empty or missing)."""
    value = field_state(view, block_id).get("value")
    return value if isinstance(value, str) and value else None


def selected(view: dict[str, Any], block_id: str, key: str = "selected_option") -> str | None:
    """The value of a select's chosen option, or of a picker (selected_user, selected_date)."""
    chosen = field_state(view, block_id).get(key)
    if isinstance(chosen, dict):
        chosen = chosen.get("value")
    return chosen if isinstance(chosen, str) and chosen else None


def selected_values(view: dict[str, Any], block_id: str) -> list[str] | None:
    """The values of a multi-select's chosen options (None when it is not a multi-select)."""
    options = field_state(view, block_id).get("selected_options")
    if not isinstance(options, list):
        return None
    found = (o.get("value") for o in options if isinstance(o, dict))
    return [v for v in found if isinstance(v, str)]
