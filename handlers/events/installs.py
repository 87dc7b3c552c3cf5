"""app_uninstalled and tokens_revoked: stop delivering to a workspace that removed Cadence.

Its pending outbox messages are kept and held (cadence.outbox.hold_workspace), then its
installation is forgotten (bolt's own revocation handling, on Cadence's installation store);
installing Cadence there again resumes them (bot/oauth.py). With a single configured token
(no installations), there is nothing to forget: the event is logged for the operator.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_sdk import WebClient
from sqlmodel import Session

from cadence import audit, outbox
from handlers.unit_of_work import Reply, unit_of_work

logger = logging.getLogger(__name__)

SLACK_ACTOR = "slack"  # who acted, in the audit log: Slack, on the workspace's behalf


@unit_of_work
def handle_app_uninstalled(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    db: Session,
    context: BoltContext,
    installations: TokenRevocationListeners | None,
) -> Reply | None:
    """Hold the workspace's deliveries, then forget its installation."""
    team_id = str(body.get("team_id") or "")
    if installations is None or not team_id:
        logger.warning(
            "Slack says Cadence was uninstalled from %s; with SLACK_BOT_TOKEN that token no "
            "longer works: install the app again and set its new token.", team_id or "?",
        )  # fmt: skip
        return None
    _hold(db, team_id, "app_uninstalled")
    return Reply(then=lambda: installations.handle_app_uninstalled_events(context))


@unit_of_work
def handle_tokens_revoked(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    db: Session,
    event: dict[str, Any],
    context: BoltContext,
    installations: TokenRevocationListeners | None,
) -> Reply | None:
    """A revoked bot token holds the workspace's deliveries; revoked tokens are forgotten."""
    team_id = str(body.get("team_id") or "")
    if installations is None or not team_id:
        logger.warning("Slack says tokens of %s were revoked", team_id or "?")
        return None
    if (event.get("tokens") or {}).get("bot"):
        _hold(db, team_id, "tokens_revoked")
    return Reply(then=lambda: installations.handle_tokens_revoked_events(event, context))


def _hold(db: Session, team_id: str, why: str) -> None:
    held = outbox.hold_workspace(
        db, team_id=team_id, reason=f"held: {why}; delivered when Cadence is installed again"
    )
    audit.record(db, team_id=team_id, actor=SLACK_ACTOR, action=f"workspace.{why}", held=held)
    logger.warning("Workspace %s: %s; %d pending message(s) held", team_id, why, held)


def register(app: App) -> None:
    """Register the uninstall and token revocation listeners."""
    app.event("app_uninstalled")(handle_app_uninstalled)
    app.event("tokens_revoked")(handle_tokens_revoked)
