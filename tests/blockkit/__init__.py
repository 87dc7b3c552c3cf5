"""Slack Block Kit limits, checked on the plain data the `handlers/blocks` builders return.

`assert_within_limits(blocks_or_view, surface)` walks every block and element and collects every
broken rule with its path (`blocks[3].text.text: 3012 > 3000`), then also asks slack_sdk's own
models to validate each block and view. The numbers come from `slackfake/limits.py`, the
fields each object may hold from the specs in `surfaces.py` and `elements.py`. Lengths are
counted in Python characters, on the raw string sent to Slack (so `&lt;` counts as four).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slackfake.limits import Surface
from tests.blockkit.sdk import sdk_problems, text_objects
from tests.blockkit.surfaces import check_surface
from tests.blockkit.walk import Walk

__all__ = ["Surface", "assert_within_limits", "block_kit_problems", "sdk_problems", "text_objects"]


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
    walk = Walk()
    check_surface(walk, blocks_or_view, surface, text)
    return walk.problems + sdk_problems(blocks_or_view, surface)
