"""Keeping a workspace between runs: what people see (the directory, messages, views, Home
tabs, open modals) as plain JSON-ready data, and putting it back."""

from __future__ import annotations

import copy
from typing import Any

from slackfake.state import Workspace

# What a person would miss after a restart; calls, response_urls and triggers are per run.
_KEPT = (
    "_users",
    "_channels",
    "_messages",
    "_ephemerals",
    "_views",
    "_homes",
    "_stacks",
    "_counter",
    "_ts_counter",
    "_last_micros",
    "_canvases",
    "_channel_canvases",
)


class Snapshots(Workspace):
    """snapshot() and restore() of the workspace's memory."""

    def snapshot(self) -> dict[str, Any]:
        """The workspace as data that json.dumps accepts."""
        with self._cond:
            return copy.deepcopy({name.removeprefix("_"): getattr(self, name) for name in _KEPT})

    def restore(self, data: dict[str, Any]) -> None:
        """Put back a snapshot (what is missing from it stays as it is)."""
        with self._cond:
            for name in _KEPT:
                if name.removeprefix("_") in data:
                    setattr(self, name, copy.deepcopy(data[name.removeprefix("_")]))
            self._ts_index_of = ()  # the messages are new: index them again (state._by_ts)
            self._changed()
