"""manifest.yml: valid for Slack, and exactly what the app registers."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from bot.oauth import BOT_SCOPES, REDIRECT_PATH
from handlers.ids import Command

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())
SCHEMA = json.loads((ROOT / "tests" / "data" / "manifest.schema.1.0.0.json").read_text())


def test_manifest_validates_against_slacks_schema():
    jsonschema.validate(MANIFEST, SCHEMA)


def test_manifest_declares_what_the_features_need_and_no_more():
    features, settings = MANIFEST["features"], MANIFEST["settings"]
    assert features["bot_user"]["display_name"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened", "app_uninstalled", "tokens_revoked"]  # fmt: skip
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == {
        "commands", "chat:write", "chat:write.public", "users:read", "channels:read",
        "groups:read", "channels:history", "groups:history", "im:history", "im:write",
        "files:write", "canvases:write",
    }  # fmt: skip
    assert all(c["should_escape"] is True for c in features["slash_commands"])


def test_installs_ask_for_the_manifests_scopes_and_come_back_to_cadence():
    oauth = MANIFEST["oauth_config"]
    assert list(BOT_SCOPES) == oauth["scopes"]["bot"]
    assert oauth["redirect_urls"] == [f"https://YOUR-HOST{REDIRECT_PATH}"]


def test_declared_commands_are_exactly_the_registered_ones(bot):
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert declared == {c.value for c in Command}
    for command in declared:
        reply = bot.sim.command(command, "help", user="UEVE")
        assert reply.status == 200, f"{command} is declared but not handled: {reply.body}"
    # A command the manifest does not declare is not handled either.
    assert bot.sim.command("/bogus", "", user="UEVE").status == 404


def test_declared_events_are_handled(bot):
    for event in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        body = {"type": event, "user": "UEVE", "tokens": {"bot": ["UBOT"]}}
        assert bot.sim.event(body).status == 200, f"{event} is declared but not handled"
    assert bot.sim.event({"type": "reaction_added", "user": "UEVE"}).status == 404
