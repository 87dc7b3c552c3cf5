"""Renderers: messages whose content is built from the database at the moment they are sent.

The outbox stores only a renderer's name and arguments; the deliverer calls the renderer just
before talking to Slack, so a coalesced update always shows what the database holds then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

Renderer = Callable[[Session, dict[str, Any]], dict[str, Any] | None]

RENDERERS: dict[str, Renderer] = {}


def renderer(name: str) -> Callable[[Renderer], Renderer]:
    """Register a renderer under `name` (the name cadence code passes to outbox.render_message)."""

    def register(function: Renderer) -> Renderer:
        RENDERERS[name] = function
        return function

    return register
