"""Slack Block Kit limits, checked on the plain data the `handlers/blocks` builders return.

`assert_within_limits(blocks_or_view, surface)` walks every block and element and collects every
broken rule with its path (`blocks[3].text.text: 3012 > 3000`), then also asks slack_sdk's own
models to validate each block and view. Lengths are counted in Python characters, on the raw
string sent to Slack (so `&lt;` counts as four).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: dict[str, int] = {"message": 50, "modal": 100, "home": 100}
MESSAGE_TEXT_HARD = 40_000
# kit.fallback_text keeps notification text to 4000, Slack's recommended size; hold it to that.
MESSAGE_TEXT = 4_000

SECTION_TEXT, SECTION_FIELDS, FIELD_TEXT = 3000, 10, 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS, CONTEXT_TEXT = 10, 3000
ACTIONS_ELEMENTS = 25
INPUT_LABEL, INPUT_HINT = 2000, 2000
BUTTON_TEXT, BUTTON_VALUE, URL, ACCESSIBILITY_LABEL = 75, 2000, 3000, 75
IDENTIFIER = 255
SELECT_OPTIONS, RADIO_OPTIONS, CHECKBOX_OPTIONS, OVERFLOW_OPTIONS = 100, 10, 10, 5
OPTION_GROUPS, OPTION_GROUP_LABEL = 100, 75
OPTION_TEXT, OPTION_VALUE, OPTION_DESCRIPTION = 75, 150, 75
PLACEHOLDER = 150
TEXT_INPUT_LENGTH = 3000
IMAGE_ALT_TEXT, IMAGE_TITLE = 2000, 2000
CONFIRM_TITLE, CONFIRM_TEXT, CONFIRM_BUTTON = 100, 300, 30
MODAL_TITLE, MODAL_BUTTON = 24, 24
PRIVATE_METADATA = 3000

TEXT_TYPES = {"plain_text", "mrkdwn"}
STATIC_SELECTS = {"static_select", "multi_static_select"}
OTHER_SELECTS = {
    "external_select", "multi_external_select", "users_select", "multi_users_select",
    "conversations_select", "multi_conversations_select", "channels_select",
    "multi_channels_select",
}  # fmt: skip
PICKERS = {"datepicker", "timepicker", "datetimepicker"}
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
INTERACTIVE = {
    "button", "checkboxes", "overflow", "radio_buttons", "workflow_button",
    *STATIC_SELECTS, *OTHER_SELECTS, *PICKERS,
}  # fmt: skip
ACCESSORY_TYPES = {*INTERACTIVE, "image"}
INPUT_ELEMENT_TYPES = {
    "checkboxes", "radio_buttons", "file_input", "rich_text_input",
    *STATIC_SELECTS, *OTHER_SELECTS, *PICKERS, *TEXT_INPUTS,
}  # fmt: skip

VIEW_KEYS = {
    "modal": {"type", "title", "blocks", "close", "submit", "private_metadata", "callback_id",
              "clear_on_close", "notify_on_close", "external_id", "submit_disabled"},
    "home": {"type", "blocks", "private_metadata", "callback_id", "external_id"},
}  # fmt: skip


def assert_within_limits(
    blocks_or_view: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    surface: Surface,
    *,
    text: str | None = None,
) -> None:
    """Fail with the path of every Block Kit limit the payload breaks on `surface`.

    A message is a list of blocks, or a dict with `blocks` (and optionally `text`); `text=` checks
    the notification text sent beside the blocks. A modal or home is a view dict.
    """
    problems = block_kit_problems(blocks_or_view, surface, text=text)
    if problems:
        raise AssertionError(
            f"{len(problems)} Block Kit problem(s) on a {surface}:\n  " + "\n  ".join(problems)
        )


def block_kit_problems(
    blocks_or_view: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    surface: Surface,
    *,
    text: str | None = None,
) -> list[str]:
    """Every problem found, own rules first, then slack_sdk's."""
    checker = _Checker()
    checker.surface(blocks_or_view, surface, text)
    return checker.problems + sdk_problems(blocks_or_view, surface)


def sdk_problems(
    blocks_or_view: Sequence[Mapping[str, Any]] | Mapping[str, Any], surface: Surface
) -> list[str]:
    """What slack_sdk's models say about each block (and the view), with the same paths."""
    problems: list[str] = []
    if surface == "message":
        blocks = blocks_or_view.get("blocks") if isinstance(blocks_or_view, Mapping) else None
        blocks = blocks if blocks is not None else blocks_or_view
    else:
        blocks = blocks_or_view.get("blocks") if isinstance(blocks_or_view, Mapping) else None
    if isinstance(blocks, Sequence) and not isinstance(blocks, str):
        for index, block in enumerate(blocks):
            problems += _sdk_validate(f"blocks[{index}]", lambda b=block: _sdk_block(b))
    if surface != "message" and isinstance(blocks_or_view, Mapping):
        problems += _sdk_validate("view", lambda: _sdk_view(blocks_or_view))
    return problems


def _sdk_block(block: Any) -> None:
    parsed = Block.parse(copy.deepcopy(dict(block)))
    if parsed is None:
        raise ValueError(f"unknown block type {block.get('type')!r}")
    parsed.validate_json()
    parsed.to_dict()  # validates nested elements, options and text objects too


def _sdk_view(view: Mapping[str, Any]) -> None:
    parsed = View(**copy.deepcopy(dict(view)))
    parsed.validate_json()
    parsed.to_dict()


def _sdk_validate(path: str, validate: Callable[[], None]) -> list[str]:
    try:
        validate()
    except Exception as error:  # any refusal by slack_sdk is a finding, whatever its type
        return [f"{path} (slack_sdk): {type(error).__name__}: {error}"]
    return []


class _Checker:
    """Walks a payload and records every broken rule."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.block_ids: dict[str, str] = {}

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    # -- primitives -------------------------------------------------------------------------

    def string(self, path: str, value: Any, limit: int, *, minimum: int = 1) -> None:
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {type(value).__name__}")
        elif len(value) > limit:
            self.fail(path, f"{len(value)} > {limit}")
        elif len(value) < minimum:
            self.fail(path, f"{len(value)} < {minimum} (empty)")

    def identifier(self, path: str, value: Any) -> None:
        self.string(path, value, IDENTIFIER)

    def boolean(self, path: str, value: Any) -> None:
        if not isinstance(value, bool):
            self.fail(path, f"expected a boolean, got {value!r}")

    def keys(self, path: str, obj: Mapping[str, Any], allowed: set[str]) -> None:
        unknown = sorted(set(obj) - allowed - {"type"})
        if unknown:
            self.fail(path, f"unknown field(s) {', '.join(unknown)}")

    def mapping(self, path: str, obj: Any) -> bool:
        if not isinstance(obj, Mapping):
            self.fail(path, f"expected an object, got {type(obj).__name__}")
            return False
        return True

    def array(self, path: str, value: Any, limit: int, *, minimum: int = 1) -> list[Any]:
        if not isinstance(value, Sequence) or isinstance(value, str):
            self.fail(path, f"expected an array, got {type(value).__name__}")
            return []
        if len(value) > limit:
            self.fail(path, f"{len(value)} items > {limit}")
        elif len(value) < minimum:
            self.fail(path, f"{len(value)} items < {minimum}")
        return list(value)

    def text(self, path: str, obj: Any, limit: int, *, plain_only: bool = False) -> None:
        if not self.mapping(path, obj):
            return
        kind = obj.get("type")
        allowed = {"plain_text"} if plain_only else TEXT_TYPES
        if kind not in allowed:
            self.fail(f"{path}.type", f"{kind!r} is not {' or '.join(sorted(allowed))}")
        self.string(f"{path}.text", obj.get("text"), limit)
        if "emoji" in obj:
            if kind != "plain_text":
                self.fail(f"{path}.emoji", "only plain_text takes emoji")
            self.boolean(f"{path}.emoji", obj["emoji"])
        if "verbatim" in obj:
            if kind != "mrkdwn":
                self.fail(f"{path}.verbatim", "only mrkdwn takes verbatim")
            self.boolean(f"{path}.verbatim", obj["verbatim"])
        self.keys(path, obj, {"text", "emoji", "verbatim"})

    def required(self, path: str, obj: Mapping[str, Any], key: str) -> bool:
        if key not in obj or obj[key] is None:
            self.fail(f"{path}.{key}", "required but missing")
            return False
        return True

    # -- surfaces ---------------------------------------------------------------------------

    def surface(self, payload: Any, surface: Surface, text: str | None) -> None:
        if surface not in MAX_BLOCKS:
            self.fail("surface", f"unknown surface {surface!r}")
            return
        if surface == "message":
            self.message(payload, text)
        else:
            if text is not None:
                self.fail("text", f"a {surface} view has no notification text")
            self.view(payload, surface)

    def message(self, payload: Any, text: str | None) -> None:
        if isinstance(payload, Mapping):
            if "text" in payload:
                self.message_text("text", payload["text"])
            self.keys("message", payload, {"text", "blocks"})
            payload = payload.get("blocks")  # None: a text-only message
        if text is not None:
            self.message_text("text", text)
        if payload is not None:
            self.blocks(payload, "message")

    def message_text(self, path: str, value: Any) -> None:
        self.string(path, value, MESSAGE_TEXT_HARD)
        if isinstance(value, str) and MESSAGE_TEXT < len(value) <= MESSAGE_TEXT_HARD:
            self.fail(path, f"{len(value)} > {MESSAGE_TEXT} (kit.fallback_text's limit)")

    def view(self, view: Any, surface: Surface) -> None:
        if not self.mapping("view", view):
            return
        if view.get("type") != surface:
            self.fail("view.type", f"{view.get('type')!r} != {surface!r}")
        self.keys("view", view, VIEW_KEYS[surface])
        for key in ("callback_id", "external_id"):
            if key in view:
                self.identifier(f"view.{key}", view[key])
        if "private_metadata" in view:
            self.string(
                "view.private_metadata", view["private_metadata"], PRIVATE_METADATA, minimum=0
            )
        if surface == "modal":
            if self.required("view", view, "title"):
                self.text("view.title", view["title"], MODAL_TITLE, plain_only=True)
            for key in ("submit", "close"):
                if key in view:
                    self.text(f"view.{key}", view[key], MODAL_BUTTON, plain_only=True)
            blocks = view.get("blocks")
            has_input = isinstance(blocks, Sequence) and any(
                isinstance(b, Mapping) and b.get("type") == "input" for b in blocks
            )
            if has_input and "submit" not in view:
                self.fail("view.submit", "a modal with input blocks needs a submit button")
        self.blocks(view.get("blocks"), surface)

    # -- blocks -----------------------------------------------------------------------------

    def blocks(self, blocks: Any, surface: Surface) -> None:
        blocks = self.array("blocks", blocks, MAX_BLOCKS[surface])
        for index, block in enumerate(blocks):
            self.block(f"blocks[{index}]", block)

    def block(self, path: str, block: Any) -> None:
        if not self.mapping(path, block):
            return
        if "block_id" in block:
            block_id = block["block_id"]
            self.identifier(f"{path}.block_id", block_id)
            if isinstance(block_id, str):
                if block_id in self.block_ids:
                    self.fail(
                        f"{path}.block_id",
                        f"{block_id!r} repeats {self.block_ids[block_id]}.block_id",
                    )
                else:
                    self.block_ids[block_id] = path
        check = {
            "section": self.section,
            "divider": self.divider,
            "header": self.header,
            "context": self.context,
            "actions": self.actions,
            "input": self.input,
            "image": self.image_block,
        }.get(block.get("type"))
        if check is None:
            self.fail(f"{path}.type", f"unknown or unsupported block type {block.get('type')!r}")
            return
        check(path, block)
        self.unique_action_ids(path, block)

    def unique_action_ids(self, path: str, block: Mapping[str, Any]) -> None:
        elements = [block.get("accessory"), block.get("element")]
        if block.get("type") == "actions":
            elements += list(block.get("elements") or [])
        seen: set[str] = set()
        for element in elements:
            if isinstance(element, Mapping) and isinstance(element.get("action_id"), str):
                if element["action_id"] in seen:
                    self.fail(path, f"action_id {element['action_id']!r} used twice in one block")
                seen.add(element["action_id"])

    def section(self, path: str, block: Mapping[str, Any]) -> None:
        self.keys(path, block, {"block_id", "text", "fields", "accessory", "expand"})
        if "text" not in block and "fields" not in block:
            self.fail(path, "a section needs text or fields")
        if "text" in block:
            self.text(f"{path}.text", block["text"], SECTION_TEXT)
        if "fields" in block:
            fields = self.array(f"{path}.fields", block["fields"], SECTION_FIELDS)
            for index, field in enumerate(fields):
                self.text(f"{path}.fields[{index}]", field, FIELD_TEXT)
        if "accessory" in block:
            self.element(f"{path}.accessory", block["accessory"], ACCESSORY_TYPES)
        if "expand" in block:
            self.boolean(f"{path}.expand", block["expand"])

    def divider(self, path: str, block: Mapping[str, Any]) -> None:
        self.keys(path, block, {"block_id"})

    def header(self, path: str, block: Mapping[str, Any]) -> None:
        self.keys(path, block, {"block_id", "text"})
        if self.required(path, block, "text"):
            self.text(f"{path}.text", block["text"], HEADER_TEXT, plain_only=True)

    def context(self, path: str, block: Mapping[str, Any]) -> None:
        self.keys(path, block, {"block_id", "elements"})
        elements = self.array(f"{path}.elements", block.get("elements"), CONTEXT_ELEMENTS)
        for index, element in enumerate(elements):
            where = f"{path}.elements[{index}]"
            if isinstance(element, Mapping) and element.get("type") == "image":
                self.image_element(where, element)
            else:
                self.text(where, element, CONTEXT_TEXT)

    def actions(self, path: str, block: Mapping[str, Any]) -> None:
        self.keys(path, block, {"block_id", "elements"})
        elements = self.array(f"{path}.elements", block.get("elements"), ACTIONS_ELEMENTS)
        for index, element in enumerate(elements):
            self.element(f"{path}.elements[{index}]", element, INTERACTIVE)

    def input(self, path: str, block: Mapping[str, Any]) -> None:
        self.keys(
            path, block, {"block_id", "label", "element", "hint", "optional", "dispatch_action"}
        )
        if self.required(path, block, "label"):
            self.text(f"{path}.label", block["label"], INPUT_LABEL, plain_only=True)
        if "hint" in block:
            self.text(f"{path}.hint", block["hint"], INPUT_HINT, plain_only=True)
        for key in ("optional", "dispatch_action"):
            if key in block:
                self.boolean(f"{path}.{key}", block[key])
        if self.required(path, block, "element"):
            self.element(f"{path}.element", block["element"], INPUT_ELEMENT_TYPES)

    def image_block(self, path: str, block: Mapping[str, Any]) -> None:
        self.keys(path, block, {"block_id", "image_url", "slack_file", "alt_text", "title"})
        self.image_element(path, {k: v for k, v in block.items() if k not in ("block_id", "title")})
        if "title" in block:
            self.text(f"{path}.title", block["title"], IMAGE_TITLE, plain_only=True)

    # -- elements ---------------------------------------------------------------------------

    def element(self, path: str, element: Any, allowed: set[str]) -> None:
        if not self.mapping(path, element):
            return
        kind = element.get("type")
        if kind not in allowed:
            self.fail(f"{path}.type", f"{kind!r} is not allowed here")
            return
        if kind == "image":
            self.image_element(path, element)
            return
        # Slack requires action_id on inputs; buttons may leave it to Slack.
        needs_id = kind != "button" or "action_id" in element
        if needs_id and self.required(path, element, "action_id"):
            self.identifier(f"{path}.action_id", element["action_id"])
        if "confirm" in element:
            self.confirm(f"{path}.confirm", element["confirm"])
        if "placeholder" in element:
            self.text(f"{path}.placeholder", element["placeholder"], PLACEHOLDER, plain_only=True)
        for key in ("focus_on_load", "multiline"):
            if key in element:
                self.boolean(f"{path}.{key}", element[key])
        if kind == "button":
            self.button(path, element)
        elif kind in STATIC_SELECTS:
            self.static_select(path, element)
        elif kind == "radio_buttons":
            self.choices(path, element, RADIO_OPTIONS, mrkdwn=True)
        elif kind == "checkboxes":
            self.choices(path, element, CHECKBOX_OPTIONS, mrkdwn=True, multi=True)
        elif kind == "overflow":
            self.choices(path, element, OVERFLOW_OPTIONS, urls=True)
        elif kind == "plain_text_input":
            self.text_input(path, element)
        if kind.startswith("multi_") and "max_selected_items" in element:
            value = element["max_selected_items"]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                self.fail(f"{path}.max_selected_items", f"{value!r} is not a positive integer")

    def button(self, path: str, element: Mapping[str, Any]) -> None:
        self.keys(
            path,
            element,
            {"text", "action_id", "url", "value", "style", "confirm", "accessibility_label"},
        )
        if self.required(path, element, "text"):
            self.text(f"{path}.text", element["text"], BUTTON_TEXT, plain_only=True)
        if "value" in element:
            self.string(f"{path}.value", element["value"], BUTTON_VALUE)
        if "url" in element:
            self.string(f"{path}.url", element["url"], URL)
        if "style" in element and element["style"] not in ("primary", "danger"):
            self.fail(f"{path}.style", f"{element['style']!r} is not primary or danger")
        if "accessibility_label" in element:
            self.string(
                f"{path}.accessibility_label", element["accessibility_label"], ACCESSIBILITY_LABEL
            )

    def static_select(self, path: str, element: Mapping[str, Any]) -> None:
        has_options, has_groups = "options" in element, "option_groups" in element
        if has_options == has_groups:
            self.fail(path, "give exactly one of options or option_groups")
        options: list[Any] = []
        if has_options:
            options = self.array(f"{path}.options", element["options"], SELECT_OPTIONS)
            for index, option in enumerate(options):
                self.option(f"{path}.options[{index}]", option)
        if has_groups:
            groups = self.array(f"{path}.option_groups", element["option_groups"], OPTION_GROUPS)
            for g, group in enumerate(groups):
                where = f"{path}.option_groups[{g}]"
                if not self.mapping(where, group):
                    continue
                self.text(f"{where}.label", group.get("label"), OPTION_GROUP_LABEL, plain_only=True)
                inner = self.array(f"{where}.options", group.get("options"), SELECT_OPTIONS)
                for index, option in enumerate(inner):
                    self.option(f"{where}.options[{index}]", option)
                options += inner
        self.initial(path, element, options, multi=element["type"].startswith("multi_"))
        self.distinct_values(path, options)

    def choices(
        self,
        path: str,
        element: Mapping[str, Any],
        limit: int,
        *,
        mrkdwn: bool = False,
        multi: bool = False,
        urls: bool = False,
    ) -> None:
        options = self.array(f"{path}.options", element.get("options"), limit)
        for index, option in enumerate(options):
            self.option(f"{path}.options[{index}]", option, mrkdwn=mrkdwn, url=urls)
        self.initial(path, element, options, multi=multi)
        self.distinct_values(path, options)

    def initial(
        self, path: str, element: Mapping[str, Any], options: list[Any], *, multi: bool
    ) -> None:
        key = "initial_options" if multi else "initial_option"
        other = "initial_option" if multi else "initial_options"
        if other in element:
            self.fail(f"{path}.{other}", f"not valid on {element['type']}; use {key}")
        if key not in element:
            return
        chosen = element[key] if multi else [element[key]]
        if multi:
            chosen = self.array(f"{path}.{key}", chosen, len(options) or 1)
        for index, pick in enumerate(chosen):
            where = f"{path}.{key}[{index}]" if multi else f"{path}.{key}"
            if not any(_same_option(pick, option) for option in options):
                self.fail(where, f"{_show(pick)} is not one of the options")

    def distinct_values(self, path: str, options: list[Any]) -> None:
        values = [o.get("value") for o in options if isinstance(o, Mapping)]
        repeated = sorted({v for v in values if values.count(v) > 1 and isinstance(v, str)})
        if repeated:
            self.fail(f"{path}.options", f"repeated option value(s) {repeated}")

    def option(self, path: str, option: Any, *, mrkdwn: bool = False, url: bool = False) -> None:
        if not self.mapping(path, option):
            return
        self.keys(path, option, {"text", "value", "description", "url"})
        if self.required(path, option, "text"):
            self.text(f"{path}.text", option["text"], OPTION_TEXT, plain_only=not mrkdwn)
        if self.required(path, option, "value"):
            self.string(f"{path}.value", option["value"], OPTION_VALUE)
        if "description" in option:
            self.text(
                f"{path}.description",
                option["description"],
                OPTION_DESCRIPTION,
                plain_only=not mrkdwn,
            )
        if "url" in option:
            if not url:
                self.fail(f"{path}.url", "only overflow menu options take a url")
            self.string(f"{path}.url", option["url"], URL)

    def text_input(self, path: str, element: Mapping[str, Any]) -> None:
        self.keys(
            path,
            element,
            {
                "action_id",
                "placeholder",
                "initial_value",
                "multiline",
                "min_length",
                "max_length",
                "dispatch_action_config",
                "focus_on_load",
            },
        )
        bounds: dict[str, int] = {}
        for key, lowest in (("min_length", 0), ("max_length", 1)):
            if key not in element:
                continue
            value = element[key]
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(f"{path}.{key}", f"{value!r} is not an integer")
            elif not lowest <= value <= TEXT_INPUT_LENGTH:
                self.fail(f"{path}.{key}", f"{value} is outside {lowest}..{TEXT_INPUT_LENGTH}")
            else:
                bounds[key] = value
        if bounds.get("min_length", 0) > bounds.get("max_length", TEXT_INPUT_LENGTH):
            self.fail(f"{path}.min_length", "is more than max_length")
        if "initial_value" in element:
            self.string(
                f"{path}.initial_value",
                element["initial_value"],
                bounds.get("max_length", TEXT_INPUT_LENGTH),
                minimum=0,
            )

    def image_element(self, path: str, element: Mapping[str, Any]) -> None:
        self.keys(path, element, {"image_url", "slack_file", "alt_text"})
        if ("image_url" in element) == ("slack_file" in element):
            self.fail(path, "give exactly one of image_url or slack_file")
        if "image_url" in element:
            self.string(f"{path}.image_url", element["image_url"], URL)
        if self.required(path, element, "alt_text"):
            self.string(f"{path}.alt_text", element["alt_text"], IMAGE_ALT_TEXT)

    def confirm(self, path: str, confirm: Any) -> None:
        if not self.mapping(path, confirm):
            return
        self.keys(path, confirm, {"title", "text", "confirm", "deny", "style"})
        for key, limit in (
            ("title", CONFIRM_TITLE),
            ("text", CONFIRM_TEXT),
            ("confirm", CONFIRM_BUTTON),
            ("deny", CONFIRM_BUTTON),
        ):
            if self.required(path, confirm, key):
                self.text(f"{path}.{key}", confirm[key], limit, plain_only=key != "text")
        if "style" in confirm and confirm["style"] not in ("primary", "danger"):
            self.fail(f"{path}.style", f"{confirm['style']!r} is not primary or danger")


def _same_option(pick: Any, option: Any) -> bool:
    """Slack matches initial options on their text and value, exactly."""
    if not isinstance(pick, Mapping) or not isinstance(option, Mapping):
        return False
    return pick.get("text") == option.get("text") and pick.get("value") == option.get("value")


def _show(option: Any) -> str:
    if isinstance(option, Mapping):
        text = option.get("text")
        label = text.get("text") if isinstance(text, Mapping) else text
        return f"option {label!r}={option.get('value')!r}"
    return repr(option)


def text_objects(payload: Any, *, kind: str | None = None) -> list[str]:
    """The text of every text object in a payload (only `kind` ones, e.g. "mrkdwn", if given)."""
    found: list[str] = []
    if isinstance(payload, Mapping):
        is_text = payload.get("type") in TEXT_TYPES and isinstance(payload.get("text"), str)
        if is_text and (kind is None or payload["type"] == kind):
            found.append(payload["text"])
        for value in payload.values():
            found += text_objects(value, kind=kind)
    elif isinstance(payload, Sequence) and not isinstance(payload, str):
        for item in payload:
            found += text_objects(item, kind=kind)
    return found
