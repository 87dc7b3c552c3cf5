"""What a person sees and fills in on a Slack surface: the buttons of a message, the inputs of a
view, its visible text, and the `state.values` Slack sends for what was typed or chosen."""

from __future__ import annotations

from typing import Any

from slackfake.blocks import elements_of, options_of

_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
# element type -> (state key, initial key, holds a list)
_PLAIN_STATE = {
    **{kind: ("value", "initial_value", False) for kind in _TEXT_INPUTS},
    "users_select": ("selected_user", "initial_user", False),
    "multi_users_select": ("selected_users", "initial_users", True),
    "conversations_select": ("selected_conversation", "initial_conversation", False),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", True),
    "channels_select": ("selected_channel", "initial_channel", False),
    "multi_channels_select": ("selected_channels", "initial_channels", True),
    "datepicker": ("selected_date", "initial_date", False),
    "timepicker": ("selected_time", "initial_time", False),
    "datetimepicker": ("selected_date_time", "initial_date_time", False),
}
_OPTION_STATE = {
    "static_select": False,
    "external_select": False,
    "radio_buttons": False,
    "overflow": False,
    "multi_static_select": True,
    "multi_external_select": True,
    "checkboxes": True,
}


def buttons(blocks: list[dict]) -> list[dict]:
    """Every button in the blocks: action_id, block_id, text, value, style (and url)."""
    found = []
    for block in blocks:
        for element in elements_of(block):
            if element.get("type") == "button":
                found.append(
                    {
                        "action_id": element.get("action_id"),
                        "block_id": block.get("block_id"),
                        "text": (element.get("text") or {}).get("text", ""),
                        "value": element.get("value"),
                        "style": element.get("style"),
                        "url": element.get("url"),
                    }
                )
    return found


def inputs(view: dict) -> list[dict]:
    """Every input block of a view: block_id, label, action_id, type, optional, element."""
    return [
        {
            "block_id": block.get("block_id"),
            "label": (block.get("label") or {}).get("text", ""),
            "action_id": block["element"].get("action_id"),
            "type": block["element"].get("type"),
            "optional": bool(block.get("optional", False)),
            "element": block["element"],
        }
        for block in view.get("blocks") or []
        if block.get("type") == "input" and isinstance(block.get("element"), dict)
    ]


def all_text(blocks: list[dict] | dict) -> str:
    """Every visible text in blocks, or in a message / view dict, one per line."""
    texts: list[str] = []
    if isinstance(blocks, dict):
        source = blocks
        blocks = source.get("blocks") or []
        if not blocks and isinstance(source.get("text"), str):
            texts.append(source["text"])  # a message's text shows only when it has no blocks
        texts += [_plain(source.get(part)) for part in ("title", "submit", "close")]

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind in ("plain_text", "mrkdwn", "text", "link") and isinstance(
                node.get("text"), str
            ):
                texts.append(node["text"])
            elif kind == "user" and node.get("user_id"):
                texts.append(f"<@{node['user_id']}>")
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)

    walk(blocks)
    return "\n".join(t for t in texts if t)


def _plain(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else str(obj or "")


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _option(element: dict, value: Any) -> dict:
    """The option whose value, or visible text, is `value` (external selects make one up)."""
    if isinstance(value, dict):
        return value
    if element["type"] in ("external_select", "multi_external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    for option in options_of(element):
        if option.get("value") == value:
            return option
    # A person picks by what they read, so the visible text selects an option too.
    for option in options_of(element):
        if _plain(option.get("text")) == value:
            return option
    offered = [(o.get("value"), _plain(o.get("text"))) for o in options_of(element)]
    raise AssertionError(
        f"{element['type']} {element.get('action_id')!r} has no option with value {value!r}; "
        f"options (value, text): {offered}"
    )


def element_state(element: dict, value: Any) -> dict:
    """The view-state entry Slack sends for an element holding `value`."""
    kind = element.get("type")
    if kind in _PLAIN_STATE:
        key, _, many = _PLAIN_STATE[kind]
        if many:
            value = [] if value is None else [value] if isinstance(value, str) else list(value)
        elif kind in _TEXT_INPUTS and value is not None:
            value = str(value)
        return {"type": kind, key: value}
    if kind in _OPTION_STATE:
        if _OPTION_STATE[kind]:
            values = [] if value is None else [value] if isinstance(value, str) else list(value)
            return {"type": kind, "selected_options": [_option(element, v) for v in values]}
        return {"type": kind, "selected_option": None if value is None else _option(element, value)}
    if kind == "rich_text_input":
        text = {"type": "text", "text": str(value or "")}
        section = {"type": "rich_text_section", "elements": [text] if value else []}
        return {"type": kind, "rich_text_value": {"type": "rich_text", "elements": [section]}}
    raise AssertionError(f"SlackSim does not know how to fill a {kind!r} element")


def initial_state(element: dict) -> dict:
    """The view-state entry of an element the user did not touch."""
    kind = element.get("type")
    if kind in _PLAIN_STATE:
        return element_state(element, element.get(_PLAIN_STATE[kind][1]))
    if kind in _OPTION_STATE:
        key = "initial_options" if _OPTION_STATE[kind] else "initial_option"
        initial = element.get(key)
        return element_state(element, initial)
    if kind == "rich_text_input" and element.get("initial_value"):
        return {"type": kind, "rich_text_value": element["initial_value"]}
    return element_state(element, None)


def view_state(view: dict, values: dict, *, enforce_required: bool = True) -> dict:
    """state.values for a view whose inputs (by block_id or label) hold `values`."""
    fields = inputs(view)
    chosen: dict[str, dict] = {}
    for name, value in values.items():
        match = [f for f in fields if f["block_id"] == name] or [
            f for f in fields if f["label"] == name
        ]
        if len(match) != 1:
            listed = [(f["block_id"], f["label"], f["type"]) for f in fields]
            raise AssertionError(
                f"{'No' if not match else 'Several'} input {name!r} in view "
                f"{view.get('callback_id')!r}; inputs (block_id, label, type): {listed}"
            )
        field = match[0]
        entry = chosen[field["block_id"]] = element_state(field["element"], value)
        text, element = entry.get("value"), field["element"]
        if isinstance(text, str) and len(text) > element.get("max_length", 3000):
            raise AssertionError(f"Slack would not submit: {field['label']!r} is too long")
        if isinstance(text, str) and text and len(text) < element.get("min_length", 0):
            raise AssertionError(f"Slack would not submit: {field['label']!r} is too short")
    state: dict[str, dict] = {}
    missing = []
    for field in fields:
        entry = chosen.get(field["block_id"]) or initial_state(field["element"])
        if not field["optional"] and all(_is_empty(v) for k, v in entry.items() if k != "type"):
            missing.append(f"{field['label']!r} (block_id {field['block_id']!r})")
        state.setdefault(field["block_id"], {})[field["element"]["action_id"]] = entry
    if enforce_required and missing:
        raise AssertionError(
            f"Slack would not submit: required input(s) {', '.join(missing)} are empty; "
            "pass them in values (or enforce_required=False)"
        )
    return {"values": state}
