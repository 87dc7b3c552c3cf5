"""Two workspaces installed through the OAuth flow, each with a workflow of the same name: what
happens in one never shows in the other (commands, /escalate show, Home, votes, exports), and
Cadence talks to each with its own token. Removing the app holds a workspace's deliveries;
installing it again resumes them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.cli import main
from bot.jobs import JOBS, JobRuntime, run_job
from cadence import outbox
from cadence.vocabulary import OutboxStatus
from slackfake.forms import all_text
from storage.clock import now
from storage.db import session_scope
from storage.models import AuditEvent, OutboxMessage, SlackBot, Vote
from tests.cast import ADMIN, EVE, GENERAL, GOV, LI, MARIA
from tests.conftest import RunningBot
from tests.e2e.helpers import run, said
from tests.e2e.installs import eventually, install, installable_bot, workspace
from tests.e2e.test_escalate import escalate
from tests.e2e.test_governance import FRIDAY, MONDAY_9, SUPPORT, click, open_threads, parents
from tests.e2e.test_governance import settle as settle_outbox

ACME, BETA = "T0001", "T0BETA"
BETA_ADMIN, BETA_LI, BETA_GOV = "U0BETAADMIN", "U0BETALI", "C0BETAGOV"
BETA_IDS = {BETA_ADMIN, BETA_LI, BETA_GOV, "D" + BETA_ADMIN, "D" + BETA_LI}
ACME_IDS = {ADMIN, EVE, MARIA, LI, GOV, GENERAL, "D" + MARIA, "D" + LI, "D" + ADMIN, "D" + EVE}
SPOKEN = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.publish",
          "users.info", "conversations.info", "conversations.open")  # fmt: skip


@pytest.fixture
def two_workspaces(fake_slack, tmp_path, frozen_clock) -> Iterator[RunningBot]:
    """Cadence installed into Acme (the cast) and Beta (its own people and channel)."""
    fake_slack.add_user(BETA_ADMIN, name="bea", real_name="Bea Admin", is_admin=True)
    fake_slack.add_user(BETA_LI, name="li.beta", real_name="Li Beta")
    fake_slack.add_channel(BETA_GOV, name="beta-gov")
    frozen_clock.current = FRIDAY
    for bot in installable_bot(fake_slack, f"sqlite:///{tmp_path / 'bot.db'}"):
        assert install(bot, ACME, "Acme", user=ADMIN).status == 200
        assert install(bot, BETA, "Beta", user=BETA_ADMIN).status == 200
        bot.deliverer.channel_pace = 0
        yield bot


def installed_bots(bot: RunningBot, team_id: str) -> list[SlackBot]:
    with bot.session() as db:
        return list(db.exec(select(SlackBot).where(SlackBot.team_id == team_id)).all())


def tokens(bot: RunningBot) -> dict[str, str]:
    """Each workspace's newest bot token, as oauth.v2.access gave it."""
    return {
        c.response["team"]["id"]: c.response["access_token"]
        for c in bot.fake.calls_to("oauth.v2.access")
    }


def staff_both(bot: RunningBot) -> tuple[RunningBot, RunningBot]:
    """Acme and Beta each register *Support resolution* and name its outcome owner."""
    acme, beta = workspace(bot, ACME), workspace(bot, BETA)
    for team, channel, admin, owner in ((acme, GOV, ADMIN, MARIA),
                                        (beta, BETA_GOV, BETA_ADMIN, BETA_LI)):  # fmt: skip
        answer = run(team, "/cadence", f"workflow add {SUPPORT} in <#{channel}|gov>", user=admin)
        assert f"Registered *{SUPPORT}*" in said(answer)
        run(team, "/owner", f"outcome <@{owner}> {SUPPORT}", user=admin)
    return acme, beta


def test_two_workspaces_with_the_same_workflow_never_see_each_other(
    two_workspaces, frozen_clock, monkeypatch, capsys
):
    bot = two_workspaces
    acme, beta = staff_both(bot)
    esc = escalate(acme, summary="refund bot promised credits")

    # Commands: each workspace sees its own owner and its own escalations only.
    acme_owners = said(run(acme, "/owner", f"list {SUPPORT}", user=EVE))
    beta_owners = said(run(beta, "/owner", f"list {SUPPORT}", user=BETA_ADMIN))
    assert f"<@{MARIA}>" in acme_owners and BETA_LI not in acme_owners
    assert f"<@{BETA_LI}>" in beta_owners and MARIA not in beta_owners
    shown = said(run(beta, "/escalate", f"show {esc.id}", user=BETA_ADMIN))
    assert "refund bot" not in shown and f"#{esc.id}" in shown
    assert "refund bot" not in said(run(beta, "/escalate", "list", user=BETA_ADMIN))
    assert "refund bot" in said(run(acme, "/escalate", f"show {esc.id}", user=MARIA))

    # Home: Acme's owner has the escalation waiting; Beta's owner has nothing waiting.
    acme.sim.home_opened(MARIA)
    bot.fake.wait_for("views.publish")
    beta.sim.home_opened(BETA_LI)
    bot.fake.wait_for("views.publish", count=2)
    assert f"Escalation #{esc.id} on *{SUPPORT}* to acknowledge" in all_text(
        bot.fake.home(MARIA)["blocks"]
    )
    beta_home = all_text(bot.fake.home(BETA_LI)["blocks"])
    assert f"Outcome owner of *{SUPPORT}*" in beta_home and "Nothing is waiting" in beta_home

    # Votes: each weekly thread in its own channel; a vote counts in its own workspace only,
    # and a click on Acme's thread arriving from Beta changes nothing.
    # The scheduled jobs: this week's threads, and reminders (Slack asked for people's zones).
    frozen_clock.current = MONDAY_9
    assert open_threads(bot).startswith("opened 2 thread(s)")
    calls_before = len(bot.fake.calls)
    run_job(JOBS["reminders"], JobRuntime(bot.settings, bot.engine, bot.deliverer))
    settle_outbox(bot, frozen_clock)
    job_calls = bot.fake.calls[calls_before:]
    assert any(c.method == "users.info" for c in job_calls)
    assert any(f"#{esc.id}" in m["text"] for m in bot.fake.dms(MARIA)[1:])
    [acme_thread], [beta_thread] = parents(bot, GOV), parents(bot, BETA_GOV)
    assert (
        "Your vote"
        in click(acme, acme_thread, user=MARIA, action_id="governance-vote-continue")["text"]
    )
    assert (
        "Your vote"
        in click(beta, beta_thread, user=BETA_LI, action_id="governance-vote-pause")["text"]
    )
    stray = click(beta, acme_thread, user=BETA_ADMIN, action_id="governance-vote-redesign")
    assert "Your vote" not in stray["text"]
    settle_outbox(bot, frozen_clock)
    with bot.session() as db:
        assert sorted((v.voter, v.choice) for v in db.exec(select(Vote)).all()) == [
            (BETA_LI, "pause"), (MARIA, "continue")]  # fmt: skip
    assert "Continue *1* · Stabilize *0* · Pause *0*" in all_text(
        bot.fake.message(GOV, acme_thread["ts"])
    )
    assert "Continue *0* · Stabilize *0* · Pause *1*" in all_text(
        bot.fake.message(BETA_GOV, beta_thread["ts"])
    )

    # Exports: with two workspaces in the database, the command line asks which one.
    monkeypatch.setenv("DATABASE_URL", bot.settings.database_url)
    assert main(["export", "votes", "--format", "json"]) == 2
    refusal = capsys.readouterr().err
    assert "2 workspaces" in refusal and ACME in refusal and BETA in refusal and "--team" in refusal
    assert main(["export", "votes", "--format", "json", "--team", BETA]) == 0
    exported = capsys.readouterr().out
    assert BETA_LI in exported and MARIA not in exported

    # Every call to Slack was made with the token of the workspace it was about.
    issued = tokens(bot)
    spoken = [c for c in bot.fake.calls if c.method in SPOKEN]
    assert spoken and {c.token for c in spoken} <= set(issued.values())
    for call in spoken:
        about = {str(call.params.get(k)) for k in ("channel", "user", "user_id", "users")}
        if about & BETA_IDS:
            assert call.token == issued[BETA], (call.method, call.params)
        elif about & ACME_IDS:
            assert call.token == issued[ACME], (call.method, call.params)
    assert any(c.token == issued[BETA] for c in bot.fake.calls_to("chat.postMessage"))


def test_removing_the_app_holds_a_workspaces_deliveries_and_installing_it_again_resumes_them(
    two_workspaces, frozen_clock
):
    bot = two_workspaces
    acme, beta = staff_both(bot)
    settle_outbox(bot, frozen_clock)
    old_token = tokens(bot)[BETA]

    # Beta removes the app. Before Slack's event arrives, a post is refused: held, not failed.
    bot.fake.uninstall(BETA)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle_outbox(bot, frozen_clock)
    assert len(parents(bot, GOV)) == 1 and parents(bot, BETA_GOV) == []
    with session_scope(bot.engine) as db:
        # A message queued for Beta but not yet due when the event arrives.
        row = outbox.post_message(db, key="later", channel=BETA_GOV, text="later", team_id=BETA)
        row.next_attempt_at = now() + timedelta(hours=1)

    assert beta.sim.event({"type": "app_uninstalled"}).status == 200

    eventually(lambda: not installed_bots(bot, BETA))  # the listener runs after the ack
    with bot.session() as db:
        assert [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.team_id == BETA))][
            -1
        ] == "workspace.app_uninstalled"
    # Queued while uninstalled (a scheduled notice): kept and held, never attempted.
    with session_scope(bot.engine) as db:
        outbox.post_message(db, key="meanwhile", channel=BETA_GOV, text="meanwhile", team_id=BETA)
    frozen_clock.advance(hours=2)
    settle_outbox(bot, frozen_clock)
    run(acme, "/cadence", f"workflow add Claims in <#{GOV}|gov>", user=ADMIN)  # Acme goes on
    settle_outbox(bot, frozen_clock)
    with bot.session() as db:
        beta_rows = db.exec(select(OutboxMessage).where(OutboxMessage.team_id == BETA)).all()
        held = {m.idempotency_key: m.last_error for m in beta_rows if m.status == OutboxStatus.HELD}
        failed = [m for m in beta_rows if m.status == OutboxStatus.FAILED]
    assert failed == [] and len(held) == 3
    assert all((reason or "").startswith("held:") for reason in held.values())
    assert "app_uninstalled" in (held["later"] or "")
    refused = [c for c in bot.fake.calls if c.token == old_token and not c.ok]
    assert [c.error for c in refused] == ["token_revoked"]  # the one before the event, only
    assert any("Claims" in m["text"] for m in bot.fake.messages(GOV))

    # Installed again: every held message goes out once, with the new token.
    page = install(bot, BETA, "Beta", user=BETA_ADMIN)
    assert page.status == 200
    new_token = tokens(bot)[BETA]
    assert new_token != old_token
    settle_outbox(bot, frozen_clock)
    with bot.session() as db:
        beta_rows = db.exec(select(OutboxMessage).where(OutboxMessage.team_id == BETA)).all()
    assert {m.status for m in beta_rows} == {OutboxStatus.SENT}
    assert len(parents(bot, BETA_GOV)) == 1
    texts = [m["text"] for m in bot.fake.messages(BETA_GOV)]
    assert texts.count("later") == 1 and texts.count("meanwhile") == 1
    since = [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == BETA_GOV]
    assert [c.token for c in since if c.ok][-3:] == [new_token] * 3
