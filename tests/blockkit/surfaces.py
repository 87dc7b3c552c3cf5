"""What each block, view and message may hold, and the walk over a whole surface."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slackfake.limits import LIMITS as L
from slackfake.limits import SURFACES, Surface
from tests.blockkit import walk as w
from tests.blockkit.elements import (
    ACCESSORY_TYPES,
    IMAGE,
    INPUT_ELEMENT_TYPES,
    INTERACTIVE,
    element,
)
from tests.blockkit.walk import Rule, Spec, Walk


def _text_or_fields(walk: Walk, path: str, block: Mapping[str, Any]) -> None:
    if "text" not in block and "fields" not in block:
        walk.fail(path, "a section needs text or fields")


def _context_element(walk: Walk, path: str, value: Any) -> None:
    if isinstance(value, Mapping) and value.get("type") == "image":
        walk.obj(path, value, IMAGE)
    else:
        walk.text(path, value, L.context_text)


def _block(*, required: tuple[str, ...] = (), then: Rule | None = None, **fields: Rule) -> Spec:
    # block_id is checked (and kept unique) before the block's own fields: see `block`.
    return Spec({"block_id": w.anything, **fields}, frozenset(required), then=then)


BLOCKS: dict[str, Spec] = {
    "section": _block(
        text=w.text(L.section_text), fields=w.items(w.text(L.field_text), L.section_fields),
        accessory=element(ACCESSORY_TYPES), expand=w.boolean, then=_text_or_fields,
    ),
    "divider": _block(),
    "header": _block(text=w.plain(L.header_text), required=("text",)),
    "context": _block(
        elements=w.items(_context_element, L.context_elements), required=("elements",)
    ),
    "actions": _block(
        elements=w.items(element(INTERACTIVE), L.actions_elements), required=("elements",)
    ),
    "input": _block(
        label=w.plain(L.input_label), hint=w.plain(L.input_hint), optional=w.boolean,
        dispatch_action=w.boolean, element=element(INPUT_ELEMENT_TYPES),
        required=("label", "element"),
    ),
    "image": _block(
        image_url=w.string(L.url), slack_file=w.anything, alt_text=w.string(L.image_alt_text),
        title=w.plain(L.image_title), required=("alt_text",),
        then=w.exactly_one("image_url", "slack_file"),
    ),
}  # fmt: skip


def _needs_submit(walk: Walk, path: str, view: Mapping[str, Any]) -> None:
    blocks = view.get("blocks")
    has_input = isinstance(blocks, Sequence) and any(
        isinstance(b, Mapping) and b.get("type") == "input" for b in blocks
    )
    if has_input and "submit" not in view:
        walk.fail(f"{path}.submit", "a modal with input blocks needs a submit button")


_VIEW_FIELDS: dict[str, Rule] = {
    "blocks": w.anything,  # walked on their own, against the surface's block count
    "callback_id": w.string(L.identifier),
    "external_id": w.string(L.identifier),
    "private_metadata": w.string(L.private_metadata, minimum=0),
}
VIEWS: dict[str, Spec] = {
    "modal": Spec(
        {
            **_VIEW_FIELDS,
            "title": w.plain(L.modal_title),
            "submit": w.plain(L.modal_button),
            "close": w.plain(L.modal_button),
            **dict.fromkeys(("clear_on_close", "notify_on_close", "submit_disabled"), w.anything),
        },
        required=frozenset({"title"}),
        then=_needs_submit,
    ),
    "home": Spec(_VIEW_FIELDS),
}


def check_surface(walk: Walk, payload: Any, surface: Surface, text: str | None) -> None:
    """Walk a message (blocks, or a dict with blocks and text) or a modal / home view."""
    if surface not in SURFACES:
        walk.fail("surface", f"unknown surface {surface!r}")
    elif surface == "message":
        _message(walk, payload, text)
    else:
        if text is not None:
            walk.fail("text", f"a {surface} view has no notification text")
        if walk.mapping("view", payload):
            if payload.get("type") != surface:
                walk.fail("view.type", f"{payload.get('type')!r} != {surface!r}")
            walk.obj("view", payload, VIEWS[surface])
            _blocks(walk, payload.get("blocks"), surface)


def _message(walk: Walk, payload: Any, text: str | None) -> None:
    if isinstance(payload, Mapping):
        if "text" in payload:
            _message_text(walk, "text", payload["text"])
        walk.keys("message", payload, {"text", "blocks"})
        payload = payload.get("blocks")  # None: a text-only message
    if text is not None:
        _message_text(walk, "text", text)
    if payload is not None:
        _blocks(walk, payload, "message")


def _message_text(walk: Walk, path: str, value: Any) -> None:
    walk.string(path, value, L.message_text_hard)
    if isinstance(value, str) and L.message_text < len(value) <= L.message_text_hard:
        walk.fail(path, f"{len(value)} > {L.message_text} (kit.fallback_text's limit)")


def _blocks(walk: Walk, blocks: Any, surface: Surface) -> None:
    for index, block in enumerate(walk.array("blocks", blocks, L.max_blocks(surface))):
        _block_at(walk, f"blocks[{index}]", block)


def _block_at(walk: Walk, path: str, block: Any) -> None:
    if not walk.mapping(path, block):
        return
    if "block_id" in block:
        block_id = block["block_id"]
        walk.string(f"{path}.block_id", block_id, L.identifier)
        if isinstance(block_id, str) and block_id in walk.block_ids:
            walk.fail(
                f"{path}.block_id", f"{block_id!r} repeats {walk.block_ids[block_id]}.block_id"
            )
        elif isinstance(block_id, str):
            walk.block_ids[block_id] = path
    kind = block.get("type")
    shape = BLOCKS.get(kind) if isinstance(kind, str) else None
    if shape is None:
        walk.fail(f"{path}.type", f"unknown or unsupported block type {kind!r}")
        return
    walk.obj(path, block, shape)
    _unique_action_ids(walk, path, block)


def _unique_action_ids(walk: Walk, path: str, block: Mapping[str, Any]) -> None:
    elements = [block.get("accessory"), block.get("element")]
    if block.get("type") == "actions" and isinstance(block.get("elements"), Sequence):
        elements += list(block["elements"])
    seen: set[str] = set()
    for found in elements:
        if isinstance(found, Mapping) and isinstance(found.get("action_id"), str):
            if found["action_id"] in seen:
                walk.fail(path, f"action_id {found['action_id']!r} used twice in one block")
            seen.add(found["action_id"])
