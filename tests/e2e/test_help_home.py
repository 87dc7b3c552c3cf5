"""/cadence help, unknown sub-commands, and the Home tab."""

from __future__ import annotations

from datetime import timedelta

import pytest

from slackfake.forms import all_text
from tests.blockkit import assert_within_limits
from tests.cast import ADMIN, EVE, GOV, MARIA
from tests.e2e.helpers import run, said
from tests.e2e.test_escalate import SUPPORT, escalate, staffed
from tests.e2e.test_reset import WEDNESDAY


def test_help_is_ephemeral_lists_every_command_and_posts_nothing(bot):
    answer = run(bot, "/cadence", "help", user=EVE)
    text = said(answer)
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    commands = ["/cadence workflow add", "/owner outcome", "/owner stage", "/owner list",
                "/cadence council add", "/cadence rights", "/cadence map", "/escalate"]  # fmt: skip
    for command in commands:
        assert command in text
    assert "e.g." in text
    assert not bot.fake.calls_to("chat.postMessage")


def test_empty_command_shows_help(bot):
    assert "Cadence commands" in said(run(bot, "/cadence", "", user=EVE))


def test_unknown_subcommand_gets_did_you_mean_and_help(bot):
    text = said(run(bot, "/cadence", "wrokflow list", user=EVE))
    assert "I don't know `/cadence wrokflow`. Did you mean `/cadence workflow`?" in text
    assert "Cadence commands" in text
    nothing_close = said(run(bot, "/cadence", "xyzzy", user=EVE))
    assert "I don't know `/cadence xyzzy`" in nothing_close and "Cadence commands" in nothing_close


def test_home_tab_shows_roles_and_gaps(bot):
    run(bot, "/cadence", "workflow add Support resolution", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> Support resolution", user=ADMIN)
    assert bot.sim.home_opened(MARIA).status == 200
    bot.fake.wait_for("views.publish")
    home = all_text(bot.fake.home(MARIA)["blocks"])
    assert "Outcome owner of *Support resolution*" in home
    assert "no workflow owner" in home
    bot.sim.home_opened(EVE)
    bot.fake.wait_for("views.publish", count=2)
    assert "don't own any workflow" in all_text(bot.fake.home(EVE)["blocks"])


def test_home_tab_counts_staffed_workflows_in_words_that_agree(bot):
    staffed(bot)
    bot.sim.home_opened(MARIA)
    bot.fake.wait_for("views.publish")
    home = all_text(bot.fake.home(MARIA)["blocks"])
    assert "The only workflow has owners." in home and "workflows" not in home
    run(bot, "/cadence", f"workflow add Onboarding in <#{GOV}|ai-support-gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> Onboarding", user=ADMIN)
    run(bot, "/owner", f"workflow <@{MARIA}> Onboarding", user=ADMIN)
    bot.sim.home_opened(MARIA)
    bot.fake.wait_for("views.publish", count=2)
    assert "All 2 workflows have owners." in all_text(bot.fake.home(MARIA)["blocks"])


def test_home_tab_lists_what_is_waiting_for_you(bot):
    staffed(bot)
    esc = escalate(bot, summary="refund bot promised credits")
    bot.sim.home_opened(MARIA)
    bot.fake.wait_for("views.publish")
    home = all_text(bot.fake.home(MARIA)["blocks"])
    assert "Waiting for you" in home
    assert f"Escalation #{esc.id} on *Support resolution* to acknowledge" in home
    bot.sim.home_opened(EVE)
    bot.fake.wait_for("views.publish", count=2)
    assert "Nothing is waiting for you" in all_text(bot.fake.home(EVE)["blocks"])


def test_an_event_slack_delivers_again_is_acked_and_not_processed_twice(bot):
    first = bot.sim.event({"type": "app_home_opened", "user": EVE, "tab": "home"},
                          event_id="Ev0000RETRY")  # fmt: skip
    assert first.status == 200
    bot.fake.wait_for("views.publish")
    again = bot.sim.event({"type": "app_home_opened", "user": EVE, "tab": "home"},
                          event_id="Ev0000RETRY", retry_num=1)  # fmt: skip
    assert again.status == 200 and not again.body.strip()
    other = bot.sim.event({"type": "app_home_opened", "user": EVE, "tab": "home"})
    assert other.status == 200
    bot.fake.wait_for("views.publish", count=2)  # a new event is processed
    with pytest.raises(AssertionError):  # and the repeated one never is
        bot.fake.wait_for("views.publish", count=3, timeout=1)


def test_home_tab_mentions_the_running_reset_of_your_workflow(bot, frozen_clock):
    frozen_clock.current = WEDNESDAY
    staffed(bot)
    assert "Started the 30-day" in said(run(bot, "/cadence", f"reset {SUPPORT}", user=MARIA))
    frozen_clock.current = WEDNESDAY + timedelta(days=8)  # day 9: week 2
    bot.sim.home_opened(MARIA)
    bot.fake.wait_for("views.publish")
    view = bot.fake.home(MARIA)
    assert_within_limits({"type": "home", "blocks": view["blocks"]}, "home")
    [shown] = [ln for ln in all_text(view["blocks"]).splitlines() if "30-day reset" in ln]
    assert f"*{SUPPORT}* is in a 30-day reset: day 9 of 30 (week 2), due this week: " in shown
    assert "Scorecard baselined" in shown and "Risk-review triggers defined" in shown
    assert "Escalation map published" not in shown  # week 1's item is not this week's
    assert shown.endswith("`/cadence reset status`")
    bot.sim.home_opened(EVE)  # no role in the workflow: no reset line
    bot.fake.wait_for("views.publish", count=2)
    assert "30-day reset" not in all_text(bot.fake.home(EVE)["blocks"])
