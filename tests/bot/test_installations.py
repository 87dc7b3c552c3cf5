"""slack_sdk's SQLAlchemy installation and state stores on Cadence's migrated schema (SQLite and
PostgreSQL), install states signed with the state secret, and each workspace's token."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine, text

from bot.cli import main
from bot.installations import (
    TOKEN_TTL_SECONDS,
    SignedStateStore,
    WorkspaceClients,
    WorkspaceTokens,
    build_installation_store,
)

CLIENT_ID = "1111.2222"
SECRET = "a-state-secret-for-the-tests"


def installation(team_id: str, token: str, *, at: float) -> Installation:
    return Installation(
        app_id="A0001", enterprise_id=None, team_id=team_id, team_name=f"Team {team_id}",
        bot_token=token, bot_id="BBOT", bot_user_id="UBOT", bot_scopes="commands,chat:write",
        user_id="UINSTALLER", installed_at=at,
    )  # fmt: skip


def test_installations_are_saved_found_and_deleted_on_the_migrated_schema(any_engine: Engine):
    store = build_installation_store(any_engine, client_id=CLIENT_ID)
    now = time.time()
    store.save(installation("T1", "xoxb-T1-old", at=now - 60))
    store.save(installation("T1", "xoxb-T1-new", at=now))
    store.save(installation("T2", "xoxb-T2", at=now))

    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-T1-new"
    assert found.team_name == "Team T1" and found.bot_scopes == ["commands", "chat:write"]
    bot = store.find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_token == "xoxb-T2"
    tokens = WorkspaceTokens(store)
    assert (tokens.token_for("T1"), tokens.token_for("T2"), tokens.token_for("T3")) == (
        "xoxb-T1-new", "xoxb-T2", None)  # fmt: skip

    store.delete_all(enterprise_id=None, team_id="T1")  # what app_uninstalled does
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    assert tokens.token_for("T1") is None and tokens.token_for("T2") == "xoxb-T2"


def test_a_state_is_signed_used_once_and_expires(any_engine: Engine):
    states = SignedStateStore(any_engine, secret=SECRET)
    state = states.issue()
    stored = state.partition(".")[0]

    assert not states.consume(f"{stored}.{'0' * 32}")  # forged signature: not even looked up
    assert not SignedStateStore(any_engine, secret="another-deployments-secret").consume(state)
    assert states.consume(state)
    assert not states.consume(state)  # once only
    assert not states.consume("") and not states.consume("no-signature")

    late = states.issue()
    with any_engine.begin() as connection:
        connection.execute(
            text("UPDATE slack_oauth_states SET expire_at = :past"),
            {"past": datetime(2020, 1, 1, tzinfo=UTC).replace(tzinfo=None)},
        )
    assert not states.consume(late)


def test_each_workspace_gets_a_client_with_its_own_token_and_a_refused_one_is_dropped(
    any_engine: Engine,
):
    store = build_installation_store(any_engine, client_id=CLIENT_ID)
    store.save(installation("T1", "xoxb-T1", at=time.time()))
    clock = [100.0]
    clients = WorkspaceClients(
        WebClient(base_url="http://127.0.0.1:9/api/"), WorkspaceTokens(store),
        monotonic=lambda: clock[0],
    )  # fmt: skip

    first = clients.for_team("T1")
    assert first is not None and first.token == "xoxb-T1"
    assert first.base_url == "http://127.0.0.1:9/api/"
    assert clients.for_team("T1") is first and clients.for_team("T2") is None
    assert clients.for_team(None) is None

    store.save(installation("T1", "xoxb-T1-again", at=time.time() + 1))  # reinstalled
    assert clients.token_for("T1") == "xoxb-T1"  # read again only after a few seconds…
    clock[0] += TOKEN_TTL_SECONDS
    assert clients.token_for("T1") == "xoxb-T1-again"

    clients.refused("xoxb-T1-again")  # Slack refused it: never used again
    assert clients.for_team("T1", fresh=True) is None


def test_with_one_configured_token_every_workspace_uses_it():
    base = WebClient(token="xoxb-only", base_url="http://127.0.0.1:9/api/")
    clients = WorkspaceClients(base)

    assert not clients.per_workspace
    assert clients.for_team("T1") is base and clients.for_team(None) is base


def test_check_in_oauth_mode_needs_no_bot_token(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no developer .env
    for name, value in {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cadence.db'}",
        "SLACK_SIGNING_SECRET": "test-signing-secret",
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": "client-secret-value",
        "SLACK_STATE_SECRET": SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert main(["db", "upgrade"]) == 0

    assert main(["check"]) == 0

    out = capsys.readouterr().out
    assert "ok   Installs to many workspaces (OAuth)" in out and "FAIL" not in out
