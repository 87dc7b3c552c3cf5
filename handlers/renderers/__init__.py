"""Renderers: messages whose content is built from the database at the moment they are sent.

The outbox stores only a renderer's name (`cadence.outbox.RendererName`) and arguments; the
deliverer calls the renderer just before talking to Slack, so a coalesced update always shows
what the database holds then. `build_renderers` is the one table of them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlmodel import Session

from cadence.outbox import RendererName
from handlers.renderers import canvas, escalations, evidence, governance, reminders, reset

Renderer = Callable[[Session, dict[str, Any]], dict[str, Any] | None]


def build_renderers(*, default_zone: str) -> dict[str, Renderer]:
    """Every renderer by name; `default_zone` is the zone of workspaces that set none."""
    return {
        RendererName.GOVERNANCE_PARENT: governance.render_parent,
        RendererName.GOVERNANCE_TALLY: governance.render_tally,
        RendererName.ESCALATION_DM: partial(
            escalations.render_escalation_dm, default_zone=default_zone
        ),
        RendererName.ESCALATION_NOTICE: partial(
            escalations.render_escalation_notice, default_zone=default_zone
        ),
        RendererName.ESCALATION_COUNCIL: partial(
            escalations.render_council_note, default_zone=default_zone
        ),
        RendererName.REMINDER: reminders.render_reminder,
        RendererName.COUNCIL_REPORT: evidence.render_council_report,
        RendererName.RESET_CHECKLIST: reset.render_checklist,
        RendererName.RESET_REFRESH: reset.render_refresh,
        RendererName.RESET_MONDAY: reset.render_monday,
        RendererName.RESET_SUMMARY: reset.render_summary,
        RendererName.CANVAS_CREATE: partial(canvas.render_create, default_zone=default_zone),
        RendererName.CANVAS_EDIT: partial(canvas.render_edit, default_zone=default_zone),
        RendererName.CANVAS_RENAME: canvas.render_rename,
        RendererName.CANVAS_FALLBACK_MAP: partial(
            canvas.render_fallback_map, default_zone=default_zone
        ),
        RendererName.CANVAS_FALLBACK_LOG: partial(
            canvas.render_fallback_log, default_zone=default_zone
        ),
    }
