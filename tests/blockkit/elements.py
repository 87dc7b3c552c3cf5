"""What each Block Kit element, option and confirm dialog may hold, with Slack's limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slackfake.limits import LIMITS as L
from tests.blockkit import walk as w
from tests.blockkit.walk import Rule, Spec, Walk

STATIC_SELECTS = frozenset({"static_select", "multi_static_select"})
OTHER_SELECTS = frozenset({
    "external_select", "multi_external_select", "users_select", "multi_users_select",
    "conversations_select", "multi_conversations_select", "channels_select",
    "multi_channels_select",
})  # fmt: skip
PICKERS = frozenset({"datepicker", "timepicker", "datetimepicker"})
TEXT_INPUTS = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})
INTERACTIVE = frozenset({
    "button", "checkboxes", "overflow", "radio_buttons", "workflow_button",
    *STATIC_SELECTS, *OTHER_SELECTS, *PICKERS,
})  # fmt: skip
ACCESSORY_TYPES = frozenset({*INTERACTIVE, "image"})
INPUT_ELEMENT_TYPES = frozenset({
    "checkboxes", "radio_buttons", "file_input", "rich_text_input",
    *STATIC_SELECTS, *OTHER_SELECTS, *PICKERS, *TEXT_INPUTS,
})  # fmt: skip

CONFIRM = Spec({
    "title": w.plain(L.confirm_title), "text": w.text(L.confirm_text),
    "confirm": w.plain(L.confirm_button), "deny": w.plain(L.confirm_button), "style": w.style,
}, required=frozenset({"title", "text", "confirm", "deny"}))  # fmt: skip
IMAGE = Spec(
    {
        "image_url": w.string(L.url),
        "slack_file": w.anything,
        "alt_text": w.string(L.image_alt_text),
    },
    required=frozenset({"alt_text"}),
    then=w.exactly_one("image_url", "slack_file"),
)
# Fields every interactive element may carry; Slack requires action_id on all but buttons.
COMMON: dict[str, Rule] = {
    "action_id": w.string(L.identifier), "confirm": w.spec(CONFIRM),
    "placeholder": w.plain(L.placeholder), "focus_on_load": w.boolean, "multiline": w.boolean,
}  # fmt: skip


def option(*, mrkdwn: bool = False, url: bool = False) -> Rule:
    """An option; radio buttons and checkboxes take mrkdwn, overflow options a url."""
    label = w.text if mrkdwn else w.plain
    fields = {"text": label(L.option_text), "value": w.string(L.option_value)}
    fields["description"] = label(L.option_description)
    if url:
        fields["url"] = w.string(L.url)
    return w.spec(Spec(fields, required=frozenset({"text", "value"})))


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


def _same_option(pick: Any, option: Any) -> bool:
    """Slack matches initial options on their text and value, exactly."""
    if not isinstance(pick, Mapping) or not isinstance(option, Mapping):
        return False
    return pick.get("text") == option.get("text") and pick.get("value") == option.get("value")


def _show(option: Any) -> str:
    if isinstance(option, Mapping):
        label = option.get("text")
        label = label.get("text") if isinstance(label, Mapping) else label
        return f"option {label!r}={option.get('value')!r}"
    return repr(option)


def choices(*, multi: bool) -> Rule:
    """Initial choices are among the options, and option values are distinct."""
    key, other = "initial_option", "initial_options"
    if multi:
        key, other = other, key

    def check(walk: Walk, path: str, element: Mapping[str, Any]) -> None:
        groups = [g for g in _list(element.get("option_groups")) if isinstance(g, Mapping)]
        options = _list(element.get("options"))
        options += [o for group in groups for o in _list(group.get("options"))]
        if other in element:
            walk.fail(f"{path}.{other}", f"not valid on {element['type']}; use {key}")
        if key in element:
            chosen = element[key]
            picks = walk.array(f"{path}.{key}", chosen, len(options) or 1) if multi else [chosen]
            for index, pick in enumerate(picks):
                if not any(_same_option(pick, o) for o in options):
                    where = f"{path}.{key}[{index}]" if multi else f"{path}.{key}"
                    walk.fail(where, f"{_show(pick)} is not one of the options")
        values = [o.get("value") for o in options if isinstance(o, Mapping)]
        repeated = sorted({v for v in values if isinstance(v, str) and values.count(v) > 1})
        if repeated:
            walk.fail(f"{path}.options", f"repeated option value(s) {repeated}")

    return check


def _text_input_bounds(walk: Walk, path: str, element: Mapping[str, Any]) -> None:
    bounds: dict[str, int] = {}
    for key, lowest in (("min_length", 0), ("max_length", 1)):
        value = element.get(key)
        whole = isinstance(value, int) and not isinstance(value, bool)
        if whole and lowest <= value <= L.text_input_length:
            bounds[key] = value
    ceiling = bounds.get("max_length", L.text_input_length)
    if bounds.get("min_length", 0) > ceiling:
        walk.fail(f"{path}.min_length", "is more than max_length")
    if "initial_value" in element:
        walk.string(f"{path}.initial_value", element["initial_value"], ceiling, minimum=0)


def _interactive(
    fields: Mapping[str, Rule] | None = None,
    *,
    required: tuple[str, ...] = (),
    then: Rule | None = None,
    closed: bool = False,
) -> Spec:
    return Spec({**COMMON, **(fields or {})}, frozenset({"action_id", *required}), closed, then)


def _options_element(limit: int, *, mrkdwn: bool = False, url: bool = False, multi: bool) -> Spec:
    options = w.items(option(mrkdwn=mrkdwn, url=url), limit)
    return _interactive({"options": options}, required=("options",), then=choices(multi=multi))


_GROUP = Spec(
    {"label": w.plain(L.option_group_label), "options": w.items(option(), L.select_options)},
    required=frozenset({"label", "options"}),
)
_SELECT_FIELDS: dict[str, Rule] = {
    "options": w.items(option(), L.select_options),
    "option_groups": w.items(w.spec(_GROUP), L.option_groups),
}
_MAX_SELECTED: dict[str, Rule] = {"max_selected_items": w.integer(1, what="a positive integer")}

BUTTON = Spec({
    "text": w.plain(L.button_text), "action_id": w.string(L.identifier),
    "url": w.string(L.url), "value": w.string(L.button_value), "style": w.style,
    "confirm": w.spec(CONFIRM), "accessibility_label": w.string(L.accessibility_label),
}, required=frozenset({"text"}))  # fmt: skip
TEXT_INPUT = _interactive({
    "initial_value": w.anything, "dispatch_action_config": w.anything,
    "min_length": w.integer(0, L.text_input_length),
    "max_length": w.integer(1, L.text_input_length),
}, then=_text_input_bounds, closed=True)  # fmt: skip
ELEMENTS: dict[str, Spec] = {
    "button": BUTTON,
    "image": IMAGE,
    "radio_buttons": _options_element(L.radio_options, mrkdwn=True, multi=False),
    "checkboxes": _options_element(L.checkbox_options, mrkdwn=True, multi=True),
    "overflow": _options_element(L.overflow_options, url=True, multi=False),
    "plain_text_input": TEXT_INPUT,
    **{
        kind: _interactive(
            {**_SELECT_FIELDS, **(_MAX_SELECTED if kind.startswith("multi_") else {})},
            then=w.all_of(
                w.exactly_one("options", "option_groups"), choices(multi=kind.startswith("multi_"))
            ),
        )
        for kind in STATIC_SELECTS
    },
    **{kind: _interactive(_MAX_SELECTED) for kind in OTHER_SELECTS if kind.startswith("multi_")},
}
OTHER_ELEMENT = _interactive()  # pickers, other selects and inputs: the common fields


def element(allowed: frozenset[str]) -> Rule:
    """An element of one of the `allowed` types."""

    def check(walk: Walk, path: str, value: Any) -> None:
        if not walk.mapping(path, value):
            return
        kind = value.get("type")
        if not isinstance(kind, str) or kind not in allowed:
            walk.fail(f"{path}.type", f"{kind!r} is not allowed here")
            return
        walk.obj(path, value, ELEMENTS.get(kind, OTHER_ELEMENT))

    return check
