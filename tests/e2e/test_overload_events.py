"""An overloaded bot turns requests away at once ("try again"), but never an event Slack sends
only once: removing the app still holds the workspace's deliveries and forgets its install."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import AuditEvent
from tests.e2e.installs import eventually, workspace
from tests.e2e.test_workspace_isolation import BETA, installed_bots
from tests.e2e.test_workspace_isolation import two_workspaces as two_workspaces  # fixture


@pytest.fixture
def full_lanes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each lane of the bot built next has no room for a request acked before it runs."""
    monkeypatch.setattr("bot.app.LANE_BACKLOG", 0)


def test_app_uninstalled_is_handled_even_when_every_lane_is_full(full_lanes, two_workspaces):
    bot = two_workspaces
    assert installed_bots(bot, BETA)
    beta = workspace(bot, BETA)

    assert beta.sim.event({"type": "app_uninstalled"}).status == 200

    eventually(lambda: not installed_bots(bot, BETA))
    with bot.session() as db:
        actions = [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.team_id == BETA))]
    assert actions[-1] == "workspace.app_uninstalled"
