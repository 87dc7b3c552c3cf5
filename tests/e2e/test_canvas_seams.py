"""The channel canvas beside the KPI tree, the 30-day reset's rights confirmation and renames,
end to end: the real bot, signed requests, the fake Slack's canvases.

The canvas (and the map message standing in for it where canvases are refused) shows the KPI
tree with its values and the council's confirmation of the decision rights, and follows them:
saving the tree, reporting its values with the scorecard and confirming the rights each edit
the canvas. A renamed workflow's canvas takes the new name as its title, through a `rename`
edit of its own (Slack applies one operation per `canvases.edit` call).
"""

from __future__ import annotations

from datetime import UTC, datetime

from slackfake.forms import all_text
from tests.blockkit import assert_within_limits
from tests.cadence.kpi_data import GOAL, LATENCY, RAG, TIER1
from tests.cast import ADMIN, DANA, EVE, GOV, LI
from tests.e2e.helpers import run
from tests.e2e.test_canvases import canvas_calls, markdown, settle
from tests.e2e.test_governance import SUPPORT, open_threads, staffed
from tests.e2e.test_governance_scorecard import scorecard_view
from tests.e2e.test_kpi_tree import save_tree

CONFIRM = "Confirm decision rights"


def edits_since(bot, before: int) -> list:
    return canvas_calls(bot, "canvases.edit")[before:]


def confirm_rights(bot, clock, *, user: str) -> None:
    """Post the map in the channel and press Confirm decision rights on it as `user`."""
    run(bot, "/cadence", f"map {SUPPORT}", user=LI, channel=GOV)
    posted = [m for m in bot.fake.messages(GOV) if m["text"] == f"Escalation map for {SUPPORT}"][-1]
    reply = bot.sim.click(posted, user=user, text=CONFIRM)
    assert reply.status == 200
    bot.fake.wait_for_responses(key=reply.response_url)


def test_the_canvas_shows_the_kpi_tree_and_follows_its_values(bot, frozen_clock):
    staffed(bot, frozen_clock, at=datetime(2026, 11, 13, 10, 0, tzinfo=UTC))
    settle(bot, frozen_clock)
    shown = markdown(bot)
    assert "## KPI tree\nNone yet: the outcome owner sets it with `/cadence kpi`." in shown

    before = len(canvas_calls(bot, "canvases.edit"))
    save_tree(bot)  # through the modal, as Maria
    settle(bot, frozen_clock)
    assert edits_since(bot, before), "saving the KPI tree did not edit the canvas"
    tree = markdown(bot).split("## KPI tree", 1)[1].split("# Decision log", 1)[0]
    # Indented by level, every node (the canvas has room for all 12), target and ✓/✗ mark.
    assert f"\n- · **{GOAL}**: _no value yet_ · target ≥ 110%" in tree
    assert f"\n    - · **{TIER1}**: _no value yet_ · target ≥ 85%" in tree
    assert f"\n      - · **{RAG}**: _no value yet_ · target ≥ 92%" in tree
    assert tree.count("\n      - ") == 6 and tree.count("**") == 24

    # Li reports the week's leaf values with the scorecard: the canvas follows.
    frozen_clock.current = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    open_threads(bot)
    settle(bot, frozen_clock)
    before = len(canvas_calls(bot, "canvases.edit"))
    saved = bot.sim.submit(
        scorecard_view(bot, LI),
        user=LI,
        values={
            "Exception rate (percent, 0-100)": "4",
            f"{RAG} (%)": "90",
            f"{LATENCY} (s)": "1.6",
        },
    )
    assert saved.json["response_action"] == "update"
    settle(bot, frozen_clock)
    assert edits_since(bot, before), "reporting KPI values did not edit the canvas"
    tree = markdown(bot).split("## KPI tree", 1)[1]
    assert f"\n      - ✗ **{RAG}**: 90% · target ≥ 92%" in tree
    assert f"\n      - ✓ **{LATENCY}**: 1.6 s · target ≤ 2 s" in tree
    assert f"**{TIER1}**: _no value yet_ · target ≥ 85% · below it: 1 ✓ 1 ✗" in tree
    assert "values up to the week of 16 Nov 2026" in tree


def test_the_councils_confirmation_of_the_rights_shows_on_the_canvas(bot, frozen_clock):
    staffed(bot, frozen_clock)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    settle(bot, frozen_clock)
    assert "**Confirmed by the AI council:** not yet" in markdown(bot)

    before = len(canvas_calls(bot, "canvases.edit"))
    confirm_rights(bot, frozen_clock, user=EVE)  # not on the council: refused, nothing shown
    settle(bot, frozen_clock)
    assert "**Confirmed by the AI council:** not yet" in markdown(bot)
    confirm_rights(bot, frozen_clock, user=DANA)
    settle(bot, frozen_clock)
    assert edits_since(bot, before), "the council's confirmation did not edit the canvas"
    shown = markdown(bot)
    assert f"**Confirmed by the AI council:** by ![](@{DANA}) on Fri 20 Nov 2026." in shown
    assert shown.index("## Decision rights") < shown.index("**Confirmed by the AI council:**")


def test_a_refused_canvas_map_message_shows_the_confirmation_and_the_kpi_tree(bot, frozen_clock):
    bot.fake.refuse_canvases("team_tier_cannot_create_channel_canvases")
    staffed(bot, frozen_clock)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    settle(bot, frozen_clock)
    [stand_in] = [m for m in bot.fake.messages(GOV) if m["text"] == f"Escalation map for {SUPPORT}"]
    assert "not yet confirmed by the AI council" in all_text(stand_in)
    assert "KPI tree" not in all_text(stand_in)

    save_tree(bot)
    confirm_rights(bot, frozen_clock, user=DANA)
    settle(bot, frozen_clock)
    assert bot.fake.all_canvases() == []
    updated = bot.fake.message(GOV, stand_in["ts"])  # the same message, brought up to date
    text = all_text(updated)
    assert f"*Decision rights:* confirmed by <@{DANA}> on 2026-11-20." in text
    assert f"*{GOAL}*" in text and "Showing the top two levels: 3 of 12 nodes." in text
    assert_within_limits(updated["blocks"], "message", text=updated["text"])


def test_a_renamed_workflow_renames_its_canvas(bot, frozen_clock):
    staffed(bot, frozen_clock)
    settle(bot, frozen_clock)
    canvas = bot.fake.channel_canvas(GOV)
    assert canvas["title"] == f"{SUPPORT}: escalation map and decision log"
    before = len(canvas_calls(bot, "canvases.edit"))

    run(bot, "/cadence", f"workflow rename {SUPPORT} to Support triage", user=ADMIN)
    settle(bot, frozen_clock)

    renamed = bot.fake.channel_canvas(GOV)
    assert renamed["id"] == canvas["id"] and len(bot.fake.all_canvases()) == 2  # + Onboarding
    assert renamed["title"] == "Support triage: escalation map and decision log"
    assert renamed["markdown"].startswith("# Support triage: escalation map")
    edits = edits_since(bot, before)
    operations = sorted(e.params["changes"][0]["operation"] for e in edits)
    assert operations == ["rename", "replace"]  # one operation per call, as Slack takes them
    assert all(len(e.params["changes"]) == 1 for e in edits)
    # Two quick renames: the canvas ends with the last name.
    run(bot, "/cadence", "workflow rename Support triage to Support desk", user=ADMIN)
    run(bot, "/cadence", "workflow rename Support desk to Help desk", user=ADMIN)
    settle(bot, frozen_clock)
    assert bot.fake.channel_canvas(GOV)["title"] == "Help desk: escalation map and decision log"
