"""The walk that records broken rules, and the small rules object specs are made of."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})

Rule = Callable[["Walk", str, Any], None]
"""Checks one value found at a path: `rule(walk, path, value)`."""


@dataclass(frozen=True)
class Spec:
    """What one kind of Block Kit object may hold.

    `fields` names every allowed field with its rule; `required` ones must be there (and not
    None); `closed` objects may hold nothing else; `then` checks rules that span fields.
    """

    fields: Mapping[str, Rule]
    required: frozenset[str] = frozenset()
    closed: bool = True
    then: Rule | None = None


@dataclass
class Walk:
    """Walks a payload and records every broken rule with its path."""

    problems: list[str] = field(default_factory=list)
    block_ids: dict[str, str] = field(default_factory=dict)

    def fail(self, path: str, message: str) -> None:
        """Record one broken rule."""
        self.problems.append(f"{path}: {message}")

    def string(self, path: str, value: Any, limit: int, *, minimum: int = 1) -> None:
        """A string of `minimum` to `limit` characters."""
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {type(value).__name__}")
        elif len(value) > limit:
            self.fail(path, f"{len(value)} > {limit}")
        elif len(value) < minimum:
            self.fail(path, f"{len(value)} < {minimum} (empty)")

    def mapping(self, path: str, value: Any) -> bool:
        """Whether `value` is an object (recording a problem when not)."""
        if not isinstance(value, Mapping):
            self.fail(path, f"expected an object, got {type(value).__name__}")
            return False
        return True

    def array(self, path: str, value: Any, limit: int, *, minimum: int = 1) -> list[Any]:
        """The items of an array of `minimum` to `limit` items ([] when it is no array)."""
        if not isinstance(value, Sequence) or isinstance(value, str):
            self.fail(path, f"expected an array, got {type(value).__name__}")
            return []
        if len(value) > limit:
            self.fail(path, f"{len(value)} items > {limit}")
        elif len(value) < minimum:
            self.fail(path, f"{len(value)} items < {minimum}")
        return list(value)

    def keys(self, path: str, obj: Mapping[str, Any], allowed: Any) -> None:
        """No fields but `allowed` (and `type`)."""
        unknown = sorted(set(obj) - set(allowed) - {"type"})
        if unknown:
            self.fail(path, f"unknown field(s) {', '.join(unknown)}")

    def text(self, path: str, obj: Any, limit: int, *, plain_only: bool = False) -> None:
        """A text object whose text is 1 to `limit` characters."""
        if not self.mapping(path, obj):
            return
        kind = obj.get("type")
        allowed = {"plain_text"} if plain_only else TEXT_TYPES
        if kind not in allowed:
            self.fail(f"{path}.type", f"{kind!r} is not {' or '.join(sorted(allowed))}")
        self.string(f"{path}.text", obj.get("text"), limit)
        for flag, owner in (("emoji", "plain_text"), ("verbatim", "mrkdwn")):
            if flag in obj:
                if kind != owner:
                    self.fail(f"{path}.{flag}", f"only {owner} takes {flag}")
                boolean(self, f"{path}.{flag}", obj[flag])
        self.keys(path, obj, {"text", "emoji", "verbatim"})

    def obj(self, path: str, value: Any, spec: Spec) -> None:
        """Check an object against its spec."""
        if not self.mapping(path, value):
            return
        if spec.closed:
            self.keys(path, value, spec.fields)
        for key, rule in spec.fields.items():
            if key in spec.required and value.get(key) is None:
                self.fail(f"{path}.{key}", "required but missing")
            elif key in value:
                rule(self, f"{path}.{key}", value[key])
        if spec.then is not None:
            spec.then(self, path, value)


# -- rules ------------------------------------------------------------------------------------


def anything(walk: Walk, path: str, value: Any) -> None:
    """Allowed, and not checked further."""


def boolean(walk: Walk, path: str, value: Any) -> None:
    """A JSON boolean."""
    if not isinstance(value, bool):
        walk.fail(path, f"expected a boolean, got {value!r}")


def string(limit: int, *, minimum: int = 1) -> Rule:
    """A string of `minimum` to `limit` characters."""
    return lambda walk, path, value: walk.string(path, value, limit, minimum=minimum)


def text(limit: int) -> Rule:
    """A plain_text or mrkdwn text object."""
    return lambda walk, path, value: walk.text(path, value, limit)


def plain(limit: int) -> Rule:
    """A plain_text text object."""
    return lambda walk, path, value: walk.text(path, value, limit, plain_only=True)


def items(rule: Rule, limit: int, *, minimum: int = 1) -> Rule:
    """An array of `minimum` to `limit` items, each checked by `rule`."""

    def check(walk: Walk, path: str, value: Any) -> None:
        for index, item in enumerate(walk.array(path, value, limit, minimum=minimum)):
            rule(walk, f"{path}[{index}]", item)

    return check


def spec(shape: Spec) -> Rule:
    """An object of that shape."""
    return lambda walk, path, value: walk.obj(path, value, shape)


def style(walk: Walk, path: str, value: Any) -> None:
    """A button or confirm style."""
    if value not in ("primary", "danger"):
        walk.fail(path, f"{value!r} is not primary or danger")


def integer(lowest: int, highest: int | None = None, *, what: str = "an integer") -> Rule:
    """An integer from `lowest` (to `highest`)."""

    def check(walk: Walk, path: str, value: Any) -> None:
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or (highest is None and value < lowest):
            walk.fail(path, f"{value!r} is not {what}")
        elif highest is not None and not lowest <= value <= highest:
            walk.fail(path, f"{value} is outside {lowest}..{highest}")

    return check


def exactly_one(first: str, second: str) -> Rule:
    """One of two alternative fields, not both, not neither."""

    def check(walk: Walk, path: str, value: Mapping[str, Any]) -> None:
        if (first in value) == (second in value):
            walk.fail(path, f"give exactly one of {first} or {second}")

    return check


def all_of(*rules: Rule) -> Rule:
    """Every rule, in turn."""

    def check(walk: Walk, path: str, value: Any) -> None:
        for rule in rules:
            rule(walk, path, value)

    return check
