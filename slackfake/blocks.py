"""Block Kit as the fake Slack sees it: the elements inside a block, and what Slack refuses.

Complaints are worded like Slack's own `response_metadata.messages`; the numbers are the
builders' `LIMITS`, so the fake refuses exactly what the builders promise never to send.
"""

from __future__ import annotations

from typing import Any

from slackfake.limits import LIMITS as L

_TEXT_LIMITS = {"header": L.header_text, "section": L.section_text}
_NOT_INTERACTIVE = {"image"}


def elements_of(block: dict) -> list[dict]:
    """The interactive elements inside one Block Kit block."""
    kind = block.get("type")
    if kind == "actions":
        found = block.get("elements") or []
    elif kind == "section":
        found = [block.get("accessory")]
    elif kind == "input":
        found = [block.get("element")]
    else:
        found = []
    return [e for e in found if isinstance(e, dict) and e.get("type") not in _NOT_INTERACTIVE]


def options_of(element: dict) -> list[dict]:
    """Every option of a select / radio / checkbox element, groups flattened."""
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found.extend(group.get("options") or [])
    return found


def text_of(obj: Any) -> str:
    """The text of a text object ("" for anything else)."""
    return obj.get("text", "") if isinstance(obj, dict) else ""


def too_long(value: Any, limit: int, at: str) -> list[str]:
    """Slack's complaint about a string past `limit` characters, at a JSON pointer."""
    if isinstance(value, str) and len(value) > limit:
        return [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{at}]"]
    return []


def block_problems(blocks: Any, limit: int, at: str = "/blocks") -> list[str]:
    """Slack-style complaints about a list of blocks; empty when Slack would accept it."""
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{at}]"]
    problems = []
    if len(blocks) > limit:
        problems.append(f"[ERROR] no more than {limit} items allowed [json-pointer:{at}]")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{at}/{i}"
        if not isinstance(block, dict) or not block.get("type"):
            problems.append(f"[ERROR] missing required field: type [json-pointer:{where}]")
            continue
        problems += _unique_id(block_ids, block.get("block_id"), "block_id", where)
        if limit_text := _TEXT_LIMITS.get(block["type"]):
            problems += too_long(text_of(block.get("text")), limit_text, f"{where}/text/text")
        for j, field in enumerate(block.get("fields") or []):
            problems += too_long(text_of(field), L.field_text, f"{where}/fields/{j}/text")
        problems += _element_problems(block, where)
    return problems


def _element_problems(block: dict, where: str) -> list[str]:
    problems: list[str] = []
    action_ids: set[str] = set()
    for element in elements_of(block):
        problems += _unique_id(action_ids, element.get("action_id"), "action_id", where)
        if element.get("type") == "button":
            problems += too_long(text_of(element.get("text")), L.button_text, f"{where}/text/text")
            problems += too_long(element.get("value"), L.button_value, f"{where}/value")
        for option in options_of(element):
            problems += too_long(
                text_of(option.get("text")), L.option_text, f"{where}/options/text"
            )
            problems += too_long(option.get("value"), L.option_value, f"{where}/options/value")
    return problems


def _unique_id(seen: set[str], value: Any, what: str, where: str) -> list[str]:
    """A block_id or action_id: not repeated (within `seen`), not too long."""
    if value is None:
        return []
    problems = (
        [f"[ERROR] duplicate {what} {value!r} [json-pointer:{where}]"] if value in seen else []
    )
    seen.add(value)
    return problems + too_long(value, L.identifier, f"{where}/{what}")
