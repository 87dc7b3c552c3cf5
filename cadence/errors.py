"""Domain errors: each carries a message fit to show the person who caused it."""

from __future__ import annotations

from cadence.text import quote


class CadenceError(Exception):
    """Base of every error a person can fix; `user_message` is shown to them privately."""

    def __init__(self, user_message: str, *, field: str | None = None) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        # Which form field the error is about ("person", "stage", "workflow"), for modals.
        self.field = field


class InvalidInput(CadenceError):
    """The command or form could not be understood."""


class UnknownWorkflow(CadenceError):
    """No active workflow has that name."""

    def __init__(self, name: str, suggestions: list[str] | None = None) -> None:
        self.name = name
        self.suggestions = suggestions or []
        hint = ""
        if self.suggestions:
            hint = " Did you mean " + " or ".join(f"*{s}*" for s in self.suggestions) + "?"
            hint = hint.replace("&", "&amp;")
        else:
            hint = " See `/cadence workflow list` for the workflows Cadence knows."
        super().__init__(
            f"I couldn't find a workflow called *{quote(name)}*.{hint}", field="workflow"
        )


class NotAuthorized(CadenceError):
    """The person lacks the authority for this action."""


class Conflict(CadenceError):
    """The change clashes with what already exists (a taken name, a duplicate)."""
