"""canvases.* and conversations.canvases.create: channel canvases and standalone ones, checked
the way Slack's reference describes them.

`conversations.canvases.create` (channel_id; optional title, document_content) makes the
channel's one canvas (`channel_canvas_already_exists` for a second) and shows it in
`conversations.info` as `properties.canvas`. `canvases.create` (optional title,
document_content, channel_id to tab it in a channel) makes a standalone canvas. `canvases.edit`
(canvas_id, changes) applies insert_at_start, insert_at_end, replace (the whole canvas when no
section_id is given), delete and rename (`title_content`, shaped like `document_content`, is
the new title). `document_content` is `{"type": "markdown", "markdown": "..."}`, at most 1 MiB.
Slack's reference: "Only one operation per API call is currently supported", so `changes`
holds one change (more are refused as invalid arguments).

`refuse_canvases(error)` makes the workspace refuse every canvas call with that error, as a
plan without channel canvases (`team_tier_cannot_create_channel_canvases`), a channel whose
tab cannot be added (`canvas_tab_creation_failed`) or an admin's restriction
(`restricted_action`) does. Tests read a canvas's current markdown with `channel_canvas()` or
`canvas()`.
"""

from __future__ import annotations

import copy
import string
from typing import Any

from slackfake.chat import Chat
from slackfake.state import err, invalid

MARKDOWN_MAX = 1_048_576
OPERATIONS = {"insert_after", "insert_before", "insert_at_start", "insert_at_end", "replace",
              "delete", "rename"}  # fmt: skip
SECTION_OPERATIONS = {"insert_after", "insert_before", "delete"}
CREATE_REFUSALS = {
    "canvas_creation_failed", "canvas_disabled_user_team", "canvas_tab_creation_failed",
    "channel_canvas_creation_failed", "free_team_canvas_tab_already_exists",
    "restricted_action", "team_tier_cannot_create_channel_canvases", "missing_scope",
    "not_allowed_token_type",
}  # fmt: skip


class Canvases(Chat):
    """Canvases: one per channel (the channel canvas) and any number standing alone."""

    def _clear_canvases(self) -> None:
        self._canvases: dict[str, dict[str, Any]] = {}
        self._channel_canvases: dict[str, str] = {}  # channel id -> its canvas id
        self._canvas_refusal: str | None = None

    def refuse_canvases(self, error: str | None) -> None:
        """Refuse every canvas call with `error` from now on (None: allow them again)."""
        with self._cond:
            self._canvas_refusal = error

    def delete_canvas(self, canvas_id: str) -> None:
        """Someone deletes a canvas in Slack: later calls naming it get `canvas_not_found`."""
        with self._cond:
            self._canvases.pop(canvas_id, None)
            for channel, held in list(self._channel_canvases.items()):
                if held == canvas_id:
                    del self._channel_canvases[channel]
            self._changed()

    def canvas(self, canvas_id: str) -> dict[str, Any] | None:
        """A canvas: id, title, markdown, channel (of a channel canvas), tabs, edits."""
        with self._cond:
            return copy.deepcopy(self._canvases.get(canvas_id))

    def channel_canvas(self, channel_id: str) -> dict[str, Any] | None:
        """The channel's canvas, if it has one."""
        with self._cond:
            canvas_id = self._channel_canvases.get(channel_id)
            return copy.deepcopy(self._canvases.get(canvas_id)) if canvas_id else None

    def all_canvases(self) -> list[dict[str, Any]]:
        """Every canvas, in the order made."""
        with self._cond:
            return copy.deepcopy(list(self._canvases.values()))

    def _canvas_properties(self, channel_id: str) -> dict[str, Any]:
        """What conversations.info says of a channel's canvases (call with the lock held)."""
        properties: dict[str, Any] = {}
        canvas_id = self._channel_canvases.get(channel_id)
        if canvas_id is not None:
            canvas = self._canvases[canvas_id]
            properties["canvas"] = {
                "file_id": canvas_id,
                "is_empty": not canvas["markdown"],
                "quip_thread_id": canvas["quip_thread_id"],
            }
        tabs = [c for c in self._canvases.values() if channel_id in c["tabs"]]
        if tabs:
            properties["tabs"] = [
                {"id": f"Ct{c['id'][1:]}", "type": "canvas", "data": {"file_id": c["id"]}}
                for c in tabs
            ]
        return properties

    # ----- Web API methods (called with the lock held) -----------------------------------------

    def _conversations_canvases_create(self, params: dict) -> dict:
        channel_id = str(params.get("channel_id") or "")
        if not channel_id:
            return invalid("invalid_arguments", ["[ERROR] missing required field: channel_id"])
        channel, error = self._postable_channel({"channel": channel_id})
        if error or channel is None:
            return error or err("channel_not_found")
        if self._canvas_refusal:
            return err(self._canvas_refusal)
        if channel in self._channel_canvases:
            return err("channel_canvas_already_exists")
        document, problem = _document(params.get("document_content"))
        if problem:
            return problem
        canvas = self._new_canvas(params.get("title"), document, channel=channel)
        self._channel_canvases[channel] = canvas["id"]
        return {"ok": True, "canvas_id": canvas["id"]}

    def _canvases_create(self, params: dict) -> dict:
        if self._canvas_refusal:
            return err(self._canvas_refusal)
        document, problem = _document(params.get("document_content"))
        if problem:
            return problem
        tab = str(params.get("channel_id") or "") or None
        if tab is not None:
            channel, error = self._postable_channel({"channel": tab})
            if error or channel is None:
                return error or err("channel_not_found")
            tab = channel
        canvas = self._new_canvas(params.get("title"), document, channel=None)
        if tab is not None:
            canvas["tabs"].append(tab)
        return {"ok": True, "canvas_id": canvas["id"]}

    def _canvases_edit(self, params: dict) -> dict:
        canvas_id = str(params.get("canvas_id") or "")
        if not canvas_id:
            return invalid("invalid_arguments", ["[ERROR] missing required field: canvas_id"])
        changes = params.get("changes")
        if not isinstance(changes, list) or not changes:
            return invalid("invalid_arguments", ["[ERROR] changes must be a non-empty array"])
        if len(changes) > 1:
            return invalid("invalid_arguments", ["[ERROR] only one operation per call"])
        canvas = self._canvases.get(canvas_id)
        if canvas is None:
            return err("canvas_not_found")
        if self._canvas_refusal:
            return err(self._canvas_refusal)
        markdown, title = canvas["markdown"], canvas["title"]
        for change in changes:
            if not isinstance(change, dict) or change.get("operation") not in OPERATIONS:
                return invalid("invalid_arguments", ["[ERROR] unknown operation"])
            operation, section = change["operation"], change.get("section_id")
            if section is not None or operation in SECTION_OPERATIONS:
                # The fake keeps no sections (canvases.sections.lookup): none can be found.
                return err("canvas_editing_failed")
            if operation == "rename":
                new_title, problem = _document(change.get("title_content"))
                if problem or new_title is None:
                    return problem or invalid("invalid_arguments", ["[ERROR] title_content"])
                title = new_title
                continue
            document, problem = _document(change.get("document_content"))
            if problem or document is None:
                return problem or invalid("invalid_arguments", ["[ERROR] document_content"])
            if operation == "replace":
                markdown = document
            elif operation == "insert_at_start":
                markdown = document + markdown
            else:
                markdown = markdown + document
        if len(markdown) > MARKDOWN_MAX:
            return err("canvas_editing_failed")
        canvas["markdown"], canvas["title"] = markdown, title
        canvas["edits"] += 1
        self._changed()
        return {"ok": True}

    def _new_canvas(self, title: Any, markdown: str | None, *, channel: str | None) -> dict:
        canvas_id = "F" + self._rand(10, string.ascii_uppercase + string.digits)
        canvas = {
            "id": canvas_id,
            "title": str(title or ""),
            "markdown": markdown or "",
            "channel": channel,
            "tabs": [],
            "edits": 0,
            "quip_thread_id": self._rand(11),
        }
        self._canvases[canvas_id] = canvas
        self._changed()
        return canvas


def _document(content: Any) -> tuple[str | None, dict | None]:
    """The markdown of a `document_content` (None when absent), or Slack's refusal."""
    if content is None:
        return None, None
    if not isinstance(content, dict) or content.get("type") != "markdown":
        return None, invalid("invalid_arguments", ["[ERROR] document_content.type: markdown"])
    markdown = content.get("markdown")
    if not isinstance(markdown, str):
        return None, invalid("invalid_arguments", ["[ERROR] document_content.markdown"])
    if len(markdown) > MARKDOWN_MAX:
        return None, invalid("invalid_arguments", ["[ERROR] markdown is limited to 1 MiB"])
    return markdown, None
