"""views.*: modals opened, updated and pushed, Home tabs published, and what Slack refuses."""

from __future__ import annotations

import copy
import string
from typing import Any

from slackfake.blocks import block_problems, text_of, too_long
from slackfake.limits import LIMITS
from slackfake.state import BASE_EPOCH, Workspace, err, invalid


def view_problems(view: Any) -> list[str]:
    """Slack-style complaints about a modal or Home view."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return ["[ERROR] view.type must be 'modal' or 'home' [json-pointer:/view/type]"]
    problems = block_problems(
        view.get("blocks", []), LIMITS.max_blocks(view["type"]), "/view/blocks"
    )
    if view["type"] == "modal":
        if not text_of(view.get("title")):
            problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        problems += too_long(text_of(view.get("title")), LIMITS.modal_title, "/view/title/text")
        for part in ("submit", "close"):
            problems += too_long(text_of(view.get(part)), LIMITS.modal_button, f"/view/{part}/text")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view["blocks"])
        if has_input and not view.get("submit"):
            problems.append("[ERROR] submit is required when an input block is present")
    problems += too_long(
        view.get("private_metadata"), LIMITS.private_metadata, "/view/private_metadata"
    )
    for key in ("callback_id", "external_id"):
        problems += too_long(view.get(key), LIMITS.identifier, f"/view/{key}")
    return problems


class Views(Workspace):
    """Modals and Home tabs, and the trigger_ids that open them."""

    @property
    def views(self) -> dict[str, dict]:
        """Every modal and Home view, by view id."""
        with self._cond:
            return copy.deepcopy(self._views)

    def view(self, view_id: str) -> dict | None:
        """One view by id."""
        with self._cond:
            return copy.deepcopy(self._views.get(view_id))

    def home(self, user_id: str) -> dict | None:
        """The last Home tab published for a user."""
        with self._cond:
            view_id = self._homes.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def modals(self, user_id: str) -> list[dict]:
        """The modals open in front of a user, bottom first (the last one is on top)."""
        with self._cond:
            return copy.deepcopy([self._views[v] for v in self._stacks.get(user_id, [])])

    def new_trigger_id(self, view_id: str | None = None, *, user: str | None = None) -> str:
        """A trigger_id as Slack issues with an interaction by `user`; usable once."""
        with self._cond:
            n = self._next()
            trigger = f"{n}.{BASE_EPOCH}.{self._rand(32, string.hexdigits.lower()[:16])}"
            self._triggers[trigger] = view_id
            if user:
                self._trigger_users[trigger] = user
        return trigger

    def apply_view_response(self, view_id: str, body: dict) -> None:
        """Apply a view_submission ack to the views: "update" and "push" change them, "clear"
        closes every modal, "errors" keeps the form open, anything else closes this one."""
        action = body.get("response_action")
        with self._cond:
            current = self._views.get(view_id)
            if current is None or action == "errors":
                return
            if action in ("update", "push") and not isinstance(body.get("view"), dict):
                return
            if action == "update":
                self._store_view(body["view"], view_id=view_id, base=current)
            elif action == "push":
                pushed = self._store_view(
                    body["view"], root=current["root_view_id"], previous=view_id
                )
                self._stack_of(view_id).append(pushed["id"])
            else:
                self._close(view_id, everything=action == "clear")
            self._changed()

    def close_view(self, view_id: str, *, everything: bool = False) -> None:
        """A person closes a modal (and, with `everything`, the ones beneath it)."""
        with self._cond:
            self._close(view_id, everything=everything)
            self._changed()

    def _stack_of(self, view_id: str) -> list[str]:
        return next((s for s in self._stacks.values() if view_id in s), [])

    def _close(self, view_id: str, *, everything: bool) -> None:
        stack = self._stack_of(view_id)
        if view_id in stack:
            del stack[0 if everything else stack.index(view_id) :]

    # ----- Web API methods (called with the lock held) -----------------------------------------

    def _views_push(self, params: dict) -> dict:
        return self._views_open(params, push=True)

    def _views_open(self, params: dict, *, push: bool = False) -> dict:
        trigger = params.get("trigger_id") or params.get("interactivity_pointer")
        if not trigger:
            return invalid("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        if trigger in self._used_triggers:
            return err("exchanged_trigger_id")
        if problems := view_problems(params.get("view")):
            return invalid("invalid_arguments", problems)
        if self._view_by({"external_id": params["view"].get("external_id")}):
            return err("duplicate_external_id")
        self._used_triggers.add(trigger)
        parent = self._views.get(self._triggers.get(trigger) or "")
        root = parent["root_view_id"] if parent and parent["type"] == "modal" else None
        stored = self._store_view(params["view"], root=root)
        if user := self._trigger_users.get(trigger):
            stack = self._stacks.setdefault(user, [])
            if not (push and parent and parent["id"] in stack):
                stack.clear()  # views.open starts over; views.push goes on top
            stack.append(stored["id"])
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_update(self, params: dict) -> dict:
        if not params.get("view_id") and not params.get("external_id"):
            return invalid("invalid_arguments", ["[ERROR] view_id or external_id is required"])
        current = self._view_by(params)
        if current is None:
            return err("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            return err("hash_conflict")
        if problems := view_problems(params.get("view")):
            return invalid("invalid_arguments", problems)
        stored = self._store_view(params["view"], view_id=current["id"], base=current)
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_publish(self, params: dict) -> dict:
        user, view = params.get("user_id"), params.get("view")
        if not user:
            return invalid("invalid_arguments", ["[ERROR] missing required field: user_id"])
        if problems := view_problems(view):
            return invalid("invalid_arguments", problems)
        if view["type"] != "home":
            return invalid("invalid_arguments", ["[ERROR] view.type must be 'home'"])
        current = self._views.get(self._homes.get(user, ""))
        if current and params.get("hash") and params["hash"] != current["hash"]:
            return err("hash_conflict")
        stored = self._store_view(view, view_id=current["id"] if current else None)
        self._homes[user] = stored["id"]
        return {"ok": True, "view": copy.deepcopy(stored)}

    # ----- storage (called with the lock held) -------------------------------------------------

    def _store_view(
        self,
        view: dict,
        *,
        view_id: str | None = None,
        base: dict | None = None,
        root: str | None = None,
        previous: str | None = None,
    ) -> dict:
        view_id = view_id or "V" + self._rand(10, string.ascii_uppercase + string.digits)
        base = base or {}
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": self._normalize(view.get("blocks") or []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{BASE_EPOCH + self._next()}.{self._rand(8, string.digits)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": base.get("previous_view_id", previous),
            "root_view_id": base.get("root_view_id", root or view_id),
            "app_id": self.app_id,
            "external_id": view.get("external_id", base.get("external_id", "")),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self._views[view_id] = stored
        return stored

    def _view_by(self, params: dict) -> dict | None:
        if params.get("view_id"):
            return self._views.get(params["view_id"])
        external_id = params.get("external_id")
        if not external_id:  # most views have none: no need to look at every view kept
            return None
        return next((v for v in self._views.values() if v["external_id"] == external_id), None)
