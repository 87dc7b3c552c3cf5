"""slack_sdk's own models as a second opinion on each block and view, and a text finder."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from slackfake.limits import Surface
from tests.blockkit.walk import TEXT_TYPES


def sdk_problems(
    blocks_or_view: Sequence[Mapping[str, Any]] | Mapping[str, Any], surface: Surface
) -> list[str]:
    """What slack_sdk's models say about each block (and the view), with the same paths."""
    problems: list[str] = []
    blocks = blocks_or_view.get("blocks") if isinstance(blocks_or_view, Mapping) else None
    if surface == "message" and blocks is None:
        blocks = blocks_or_view
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
