"""app_home_opened: publish the person's Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.home import summarize_for
from handlers.blocks.home import build_home
from handlers.unit_of_work import Reply, unit_of_work


@unit_of_work
def handle_home_opened(
    ack: Ack, event: dict[str, Any], body: dict[str, Any], client: WebClient, db: Session
) -> Reply | None:
    """Show the person their roles and the gaps (events are acked by bolt before this runs)."""
    if event.get("tab", "home") != "home":
        return None
    summary = summarize_for(db, team_id=body["team_id"], user_id=event["user"])
    view = build_home(summary)
    return Reply(then=lambda: client.views_publish(user_id=event["user"], view=view))


def register(app: App) -> None:
    """Register the Home tab listener."""
    app.event("app_home_opened")(handle_home_opened)
