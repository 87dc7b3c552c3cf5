"""Installing Cadence into a workspace through Slack's OAuth flow, end to end: the install link,
Slack's authorize page and oauth.v2.access (the fake's), the installation saved in Cadence's
database, and plain pages when it goes wrong (nothing installed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.oauth import BOT_SCOPES
from cadence import outbox
from cadence.vocabulary import OutboxStatus
from storage.clock import now
from storage.db import session_scope
from storage.models import AuditEvent, OutboxMessage, SlackBot, SlackInstallation
from tests.conftest import RunningBot
from tests.e2e.helpers import channel_texts, run, said
from tests.e2e.installs import (
    eventually,
    get,
    install,
    installable_bot,
    query,
    site,
    start_install,
    workspace,
)

BETA, BETA_ADMIN, BETA_GOV = "T0BETA", "U0BETAADMIN", "C0BETAGOV"


@pytest.fixture
def installable(fake_slack, tmp_path) -> Iterator[RunningBot]:
    fake_slack.add_user(BETA_ADMIN, name="bea", real_name="Bea Admin", is_admin=True)
    fake_slack.add_channel(BETA_GOV, name="beta-gov")
    yield from installable_bot(fake_slack, f"sqlite:///{tmp_path / 'bot.db'}")


def installations(bot: RunningBot) -> list[SlackInstallation]:
    with bot.session() as db:
        return list(db.exec(select(SlackInstallation)).all())


def test_install_link_goes_to_slack_and_the_redirect_saves_the_installation(installable):
    bot = installable
    bot.fake.consent(BETA, team_name="Beta", user=BETA_ADMIN)
    start, cookie = start_install(bot)

    # Straight to Slack's authorize page, asking for the manifest's scopes, with a signed state
    # that is also in the browser's cookie.
    assert start.location.startswith(bot.fake.base + "/oauth/v2/authorize?")
    asked = query(start.location)
    assert asked["client_id"] == bot.fake.oauth_app.client_id
    assert asked["scope"].split(",") == list(BOT_SCOPES)
    assert cookie == f"slack-app-oauth-state={asked['state']}"
    stored, _, signature = asked["state"].partition(".")
    assert stored and len(signature) == 32

    slack = get(start.location)
    assert slack.status == 302 and slack.location.startswith(site(bot) + "/slack/oauth_redirect?")
    done = get(slack.location, cookie=cookie)

    assert done.status == 200 and "Thank you!" in done.body
    [exchange] = bot.fake.calls_to("oauth.v2.access")
    assert exchange.ok and exchange.response["team"] == {"id": BETA, "name": "Beta"}
    token = exchange.response["access_token"]
    [saved] = installations(bot)
    assert (saved.team_id, saved.team_name, saved.user_id) == (BETA, "Beta", BETA_ADMIN)
    assert (saved.bot_token, saved.bot_user_id) == (token, bot.fake.bot_user_id)
    assert saved.bot_scopes == ",".join(BOT_SCOPES)
    with bot.session() as db:
        assert [b.bot_token for b in db.exec(select(SlackBot)).all()] == [token]

    # The workspace is served, and Cadence talks to Slack there with the token it was given.
    beta = workspace(bot, BETA)
    answer = run(
        beta, "/cadence", f"workflow add Claims in <#{BETA_GOV}|beta-gov>", user=BETA_ADMIN
    )
    assert "Registered *Claims*" in said(answer)
    bot.fake.wait_for(lambda: channel_texts(bot, BETA_GOV))
    [notice] = [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == BETA_GOV]
    assert notice.token == token
    assert {c.token for c in bot.fake.calls_to("users.info")} == {token}

    # The same redirect again (a reload, a replay) installs nothing more.
    again = get(slack.location, cookie=cookie)
    assert again.status == 401 and "expired or was already used" in again.body
    assert len(installations(bot)) == 1 and len(bot.fake.calls_to("oauth.v2.access")) == 1


def test_a_redirect_from_another_browser_or_with_a_forged_state_installs_nothing(installable):
    bot = installable
    bot.fake.consent(BETA, team_name="Beta", user=BETA_ADMIN)
    start, cookie = start_install(bot)
    slack = get(start.location)

    no_cookie = get(slack.location)
    assert no_cookie.status == 400
    assert "This install link cannot be finished here" in no_cookie.body
    assert 'href="/slack/install"' in no_cookie.body

    forged = query(slack.location)["state"].partition(".")[0] + "." + "0" * 32
    code = query(slack.location)["code"]
    redirect = f"{site(bot)}/slack/oauth_redirect?code={code}&state={forged}"
    refused = get(redirect, cookie=f"slack-app-oauth-state={forged}")
    assert refused.status == 401 and "expired or was already used" in refused.body
    assert "<script" not in refused.body and "Traceback" not in refused.body

    assert installations(bot) == [] and bot.fake.calls_to("oauth.v2.access") == []
    # The genuine redirect still works once.
    assert get(slack.location, cookie=cookie).status == 200
    assert [i.team_id for i in installations(bot)] == [BETA]


def test_cancelling_on_slacks_page_says_so_and_installs_nothing(installable):
    page = install(installable, BETA, "Beta", user=BETA_ADMIN, allow=False)

    assert page.status == 200
    assert "Cadence was not installed" in page.text
    assert "cancelled on Slack's page, so nothing changed" in page.text
    assert installations(installable) == []
    assert installable.fake.calls_to("oauth.v2.access") == []


def test_a_workspace_without_an_installation_is_not_served(installable):
    install(installable, BETA, "Beta", user=BETA_ADMIN)
    stranger = workspace(installable, "T0NOTINSTALLED")

    reply = stranger.sim.command("/cadence", "workflow list", user=BETA_ADMIN)

    assert reply.status == 200
    [answer] = installable.fake.wait_for_responses(key=reply.response_url)
    assert "Cadence is not installed in this workspace" in answer["text"]
    assert installable.fake.calls_to("users.info") == []


def test_a_revoked_bot_token_holds_the_workspaces_deliveries(installable):
    bot = installable
    install(bot, BETA, "Beta", user=BETA_ADMIN)
    beta = workspace(bot, BETA)
    with session_scope(bot.engine) as db:
        row = outbox.post_message(db, key="later", channel=BETA_GOV, text="later", team_id=BETA)
        row.next_attempt_at = now() + timedelta(hours=1)

    # A user token revoked: nothing of the bot's changes.
    assert beta.sim.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"]}}).status == 200
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [bot.fake.bot_user_id]}}
    assert beta.sim.event(revoked).status == 200

    eventually(lambda: status_of(bot, "later") == OutboxStatus.HELD)
    eventually(lambda: not bot_tokens(bot))
    with bot.session() as db:
        actions = [e.action for e in db.exec(select(AuditEvent)).all()]
    assert actions == ["workspace.tokens_revoked"]


def status_of(bot: RunningBot, key: str) -> str:
    with bot.session() as db:
        query = select(OutboxMessage.status).where(OutboxMessage.idempotency_key == key)
        return db.exec(query).one()


def bot_tokens(bot: RunningBot) -> list[str | None]:
    with bot.session() as db:
        return [b.bot_token for b in db.exec(select(SlackBot)).all()]
