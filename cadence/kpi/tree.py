"""The rules of a KPI tree: four levels, one primary goal, each node's parent one level up.

A tree is written one node per line, `level | name | unit | target | direction | parent`, so the
whole tree fits one text field of a modal and reads the same when it is prefilled again.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from cadence.errors import InvalidInput


class KpiLevel(StrEnum):
    """The four levels, from business value down to what the system measures."""

    GOAL = "goal"
    DRIVER = "driver"
    METRIC = "metric"
    INPUT = "input"

    @property
    def label(self) -> str:
        """'primary goal', 'strategic driver', 'operational metric', 'technical input'."""
        return LEVEL_LABELS[self]

    @property
    def depth(self) -> int:
        """0 for the primary goal, 3 for a technical input."""
        return list(KpiLevel).index(self)


LEVEL_LABELS: dict[KpiLevel, str] = {
    KpiLevel.GOAL: "primary goal",
    KpiLevel.DRIVER: "strategic driver",
    KpiLevel.METRIC: "operational metric",
    KpiLevel.INPUT: "technical input",
}


class KpiDirection(StrEnum):
    """Which way is better for a node's value."""

    HIGHER = "higher"
    LOWER = "lower"

    def met(self, value: float, target: float) -> bool:
        """Whether `value` reaches `target` in this direction."""
        return value >= target if self == KpiDirection.HIGHER else value <= target

    @property
    def sign(self) -> str:
        """'≥' or '≤', as the target reads."""
        return "≥" if self == KpiDirection.HIGHER else "≤"


LEVEL_WORDS: dict[str, KpiLevel] = {
    **{level.value: level for level in KpiLevel},
    **{label: level for level, label in LEVEL_LABELS.items()},
    **{str(level.depth + 1): level for level in KpiLevel},
    "primary": KpiLevel.GOAL,
    "strategic": KpiLevel.DRIVER,
    "operational": KpiLevel.METRIC,
    "technical": KpiLevel.INPUT,
}
DIRECTION_WORDS: dict[str, KpiDirection] = {
    "higher": KpiDirection.HIGHER,
    "higher is better": KpiDirection.HIGHER,
    "up": KpiDirection.HIGHER,
    "↑": KpiDirection.HIGHER,
    "lower": KpiDirection.LOWER,
    "lower is better": KpiDirection.LOWER,
    "down": KpiDirection.LOWER,
    "↓": KpiDirection.LOWER,
}
NODES_MAX = 30
NAME_MAX = 80
UNIT_MAX = 24
TREE_TEXT_MAX = 3000  # one plain-text input of a modal
NUMBER_MAX = 1e12
ERRORS_SHOWN = 4
EXAMPLE = (
    "goal | Net revenue retention | % | 110 | higher\n"
    "driver | Reduce churn through automated support | % churn | 5 | lower | "
    "Net revenue retention\n"
    "metric | Tier-1 queries resolved | % | 85 | higher | Reduce churn through automated support\n"
    "input | RAG retrieval accuracy | % | 92 | higher | Tier-1 queries resolved\n"
    "input | p95 response latency | s | 2 | lower | Tier-1 queries resolved"
)


@dataclass(frozen=True)
class NodeSpec:
    """One node as written: what the tree should hold."""

    level: KpiLevel
    name: str
    unit: str
    target: float
    direction: KpiDirection
    parent: str | None = None

    @property
    def key(self) -> str:
        """The name as compared: case and surrounding space do not matter."""
        return name_key(self.name)


def name_key(name: str) -> str:
    """How node names are compared (and kept unique per workflow)."""
    return " ".join(name.split()).casefold()


def parse_number(text: str) -> float | None:
    """'85', '1,240', '12.5 %', '-3' as a number; None when it is not one."""
    cleaned = text.strip().replace(",", "").replace("%", "").replace(" ", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) <= NUMBER_MAX else None


def number(value: float) -> str:
    """'85', '2.5', '1,240', as a target or a value reads."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def parse_tree(text: str | None) -> list[NodeSpec]:
    """The nodes of a tree written one per line; InvalidInput (field 'tree') listing what is
    wrong, line by line, when any line breaks a rule. An empty text is an empty tree."""
    problems: list[str] = []
    specs: list[tuple[int, NodeSpec]] = []
    unread: set[str] = set()  # names on lines with errors: no "no such parent" for them
    for number_, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        spec = _parse_line(line, number_, problems)
        if spec is not None:
            specs.append((number_, spec))
        elif "|" in line:
            unread.add(name_key(line.split("|")[1]))
    _check_tree(specs, problems, unread)
    problems.sort(key=_line_of)
    if problems:
        shown = problems[:ERRORS_SHOWN]
        if len(problems) > ERRORS_SHOWN:
            shown.append(f"…and {len(problems) - ERRORS_SHOWN} more.")
        raise InvalidInput(" ".join(shown), field="tree")
    return [spec for _, spec in specs]


def _line_of(problem: str) -> int:
    """The line a problem is about (problems about the whole tree go last)."""
    found = re.match(r"Line (\d+):", problem)
    return int(found.group(1)) if found else NODES_MAX * 1000


def _parse_line(line: str, at: int, problems: list[str]) -> NodeSpec | None:
    parts = [p.strip() for p in line.split("|")]
    if len(parts) < 5 or len(parts) > 6:
        problems.append(
            f"Line {at}: write level | name | unit | target | direction | parent "
            f"({len(parts)} part{'s' if len(parts) != 1 else ''} found)."
        )
        return None
    level_word, name, unit, target_text, direction_word = parts[:5]
    parent = parts[5] if len(parts) == 6 and parts[5] else None
    level = LEVEL_WORDS.get(" ".join(level_word.split()).casefold())
    direction = DIRECTION_WORDS.get(" ".join(direction_word.split()).casefold())
    target = parse_number(target_text)
    before = len(problems)
    if level is None:
        problems.append(
            f"Line {at}: unknown level “{level_word}”; use goal, driver, metric or input."
        )
    if not name:
        problems.append(f"Line {at}: the node needs a name.")
    elif len(name) > NAME_MAX:
        problems.append(f"Line {at}: a name is at most {NAME_MAX} characters.")
    if len(unit) > UNIT_MAX:
        problems.append(f"Line {at}: a unit is at most {UNIT_MAX} characters.")
    if target is None:
        problems.append(f"Line {at}: the target “{target_text}” is not a number.")
    if direction is None:
        problems.append(
            f"Line {at}: unknown direction “{direction_word}”; use higher or lower (is better)."
        )
    if len(problems) > before or level is None or direction is None or target is None:
        return None
    return NodeSpec(level, " ".join(name.split()), unit, target, direction, parent)


def _check_tree(specs: list[tuple[int, NodeSpec]], problems: list[str], unread: set[str]) -> None:
    """Rules across lines: unique names, one primary goal, each parent one level up (lines
    that could not be read, named in `unread`, are left out)."""
    if len(specs) > NODES_MAX:
        problems.append(f"A tree holds at most {NODES_MAX} nodes ({len(specs)} written).")
        return
    by_key: dict[str, NodeSpec] = {}
    for at, spec in specs:
        if spec.key in by_key:
            problems.append(f"Line {at}: there is already a node called “{spec.name}”.")
        by_key.setdefault(spec.key, spec)
    goals = [at for at, spec in specs if spec.level == KpiLevel.GOAL]
    if specs and not goals and not unread:
        problems.append("The tree needs its primary goal: a line starting with goal.")
    for at in goals[1:]:
        problems.append(f"Line {at}: a tree has one primary goal (line {goals[0]} is it).")
    for at, spec in specs:
        if spec.parent is None or name_key(spec.parent) not in unread:
            _check_parent(at, spec, by_key, problems)


def _check_parent(at: int, spec: NodeSpec, nodes: dict[str, NodeSpec], problems: list[str]) -> None:
    if spec.level == KpiLevel.GOAL:
        if spec.parent is not None:
            problems.append(f"Line {at}: the primary goal has no parent.")
        return
    wanted = list(KpiLevel)[spec.level.depth - 1]
    if spec.parent is None:
        problems.append(f"Line {at}: {_a(spec.level.label)} needs its parent, {_a(wanted.label)}.")
        return
    parent = nodes.get(name_key(spec.parent))
    if parent is None:
        problems.append(f"Line {at}: no node called “{spec.parent}” to be its parent.")
    elif parent.level != wanted:
        problems.append(
            f"Line {at}: the parent of {_a(spec.level.label)} must be {_a(wanted.label)}, "
            f"and “{parent.name}” is {_a(parent.level.label)}."
        )


def _a(noun: str) -> str:
    """'a strategic driver', 'an operational metric'."""
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def format_line(spec: NodeSpec) -> str:
    """One node as the modal writes it (and reads it back)."""
    parts = [spec.level.value, spec.name, spec.unit, number(spec.target).replace(",", "")]
    parts.append(spec.direction.value)
    if spec.parent is not None:
        parts.append(spec.parent)
    return " | ".join(parts)


def format_tree(specs: list[NodeSpec]) -> str:
    """The whole tree, one node per line, each parent before its children."""
    return "\n".join(format_line(s) for s in specs)


def ordered(specs: list[NodeSpec]) -> list[NodeSpec]:
    """Depth first from the primary goal, children in the order they were written."""
    children: dict[str | None, list[NodeSpec]] = {}
    for spec in specs:
        children.setdefault(name_key(spec.parent) if spec.parent else None, []).append(spec)
    result: list[NodeSpec] = []

    def walk(key: str | None) -> None:
        for child in children.get(key, []):
            result.append(child)
            walk(child.key)

    walk(None)
    return result
