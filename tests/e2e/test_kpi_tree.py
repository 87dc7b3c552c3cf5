"""The KPI tree end to end: edited by the outcome owner in its modal, shown (collapsed, with a
working Show all) in workflow show, the map and the weekly thread, its values following the
scorecard modal week by week."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from handlers.payloads import STALE_BUTTON
from slackfake.forms import all_text, buttons
from storage.models import KpiNode, KpiValue, ScorecardEntry
from tests.blockkit import assert_within_limits
from tests.cadence.kpi_data import DRIVER, GOAL, LATENCY, RAG, TIER1, TREE_12
from tests.cast import EVE, GENERAL, LI, MARIA
from tests.e2e.helpers import audit_actions, run, said
from tests.e2e.test_governance import SUPPORT, open_threads, parents, settle, staffed
from tests.e2e.test_governance_scorecard import scorecard_view
from tests.e2e.test_hostile_input import click_payload

WRONG = "\n".join(
    [
        f"goal | {GOAL} | % | 110 | higher",
        f"driver | {DRIVER} | % churn | 5 | lower | {GOAL}",
        f"input | {RAG} | % | 92 | higher | {DRIVER}",  # an input under a driver
        f"metric | {TIER1} | % | most | higher | {DRIVER}",  # not a number
        f"input | {LATENCY} | s | 2 | faster | {TIER1}",  # no such direction
    ]
)


def kpi_view(bot, user: str) -> dict:
    before = set(bot.fake.views)
    assert bot.sim.command("/cadence", f"kpi {SUPPORT}", user=user).status == 200
    bot.fake.wait_for(lambda: set(bot.fake.views) - before)
    [new] = set(bot.fake.views) - before
    return bot.fake.views[new]


def modal_of(view: dict) -> dict:
    """A view as the bot sent it (without what Slack adds: id, state, hash…)."""
    keys = ("type", "callback_id", "title", "submit", "close", "blocks", "private_metadata")
    return {k: view[k] for k in keys if k in view}


def nodes(bot) -> list[KpiNode]:
    with bot.session() as db:
        return list(db.exec(select(KpiNode)).all())


def kpi_values(bot) -> dict[str, float]:
    with bot.session() as db:
        names = {n.id: n.name for n in db.exec(select(KpiNode)).all()}
        return {f"{names[v.node_id]}@{v.week_start:%d}": v.value for v in db.exec(select(KpiValue))}


def show_all(bot, message: dict, *, user: str) -> str:
    """Click Show all on a message and return the whole tree the clicker was shown (checked
    against Block Kit's limits)."""
    reply = bot.sim.click(message, user=user, action_id="kpi-show-all")
    assert reply.status == 200 and reply.elapsed < 3, reply.body
    answer = bot.fake.wait_for_responses(key=reply.response_url)[-1]
    assert_within_limits(answer["blocks"], "message", text=answer["text"])
    return said(answer)


def test_only_the_outcome_owner_edits_the_tree_and_bad_lines_change_nothing(bot, frozen_clock):
    staffed(bot, frozen_clock)
    for someone in (LI, EVE):
        refused = said(run(bot, "/cadence", f"kpi {SUPPORT}", user=someone))
        assert f"the KPI tree of *{SUPPORT}* is edited by its outcome owner (<@{MARIA}>)" in refused
    assert not bot.fake.calls_to("views.open")
    view = kpi_view(bot, MARIA)
    bad = bot.sim.submit(view, user=MARIA, values={"kpi-tree": WRONG})
    assert bad.json["response_action"] == "errors" and set(bad.json["errors"]) == {"kpi-tree"}
    error = bad.json["errors"]["kpi-tree"]
    assert "Line 3: the parent of a technical input must be an operational metric" in error
    assert "Line 4: the target “most” is not a number." in error
    assert "Line 5: unknown direction “faster”" in error
    unlinked = bot.sim.submit(
        view, user=MARIA, values={"kpi-tree": TREE_12, "kpi-link-quality": "Happiness"}
    )
    assert unlinked.json["errors"] == {
        "kpi-link-quality": "No node called “Happiness” in the tree: type a node's name "
        "exactly, or leave it empty."
    }
    assert nodes(bot) == [] and "kpi.tree_saved" not in audit_actions(bot)
    saved = bot.sim.submit(
        view, user=MARIA, values={"kpi-tree": TREE_12, "kpi-link-exception_rate": TIER1.lower()}
    )
    assert saved.json["response_action"] == "update"
    assert "12 node(s)" in all_text(saved.json["view"])
    assert "Exception rate → Tier-1 queries resolved" in all_text(saved.json["view"])
    assert len(nodes(bot)) == 12 and audit_actions(bot).count("kpi.tree_saved") == 1
    again = kpi_view(bot, MARIA)  # prefilled with what is saved, parents first
    assert_within_limits(modal_of(again), "modal")
    fields = {
        b["block_id"]: b["element"].get("initial_value")
        for b in again["blocks"]
        if b["type"] == "input"
    }
    written = fields["kpi-tree"].splitlines()  # depth first: each parent before its children
    assert written[2:4] == [
        f"metric | {TIER1} | % | 85 | higher | {DRIVER}",
        f"input | {RAG} | % | 92 | higher | {TIER1}",
    ]
    assert fields["kpi-link-exception_rate"] == TIER1 and fields["kpi-link-quality"] is None


def save_tree(bot) -> None:
    bot.sim.submit(
        kpi_view(bot, MARIA),
        user=MARIA,
        values={"kpi-tree": TREE_12, "kpi-link-exception_rate": TIER1},
    )


def test_workflow_show_and_the_map_collapse_a_long_tree_and_show_all_shows_it(bot, frozen_clock):
    staffed(bot, frozen_clock)
    save_tree(bot)
    detail = run(bot, "/cadence", f"workflow show {SUPPORT}", user=EVE)
    assert_within_limits(detail["blocks"], "message", text=detail["text"])
    shown = said(detail)
    assert f"*{GOAL}*" in shown and f"*{DRIVER}*" in shown and TIER1 not in shown
    assert "Showing the top two levels: 3 of 12 nodes." in shown
    [ephemeral] = [e for e in bot.fake.ephemerals(EVE) if "KPI tree" in all_text(e["blocks"])]
    whole = show_all(bot, ephemeral, user=EVE)
    assert f"*{TIER1}*" in whole and "*Data freshness*" in whole and "_exception rate_" in whole
    assert "\u2003" * 6 + f"· *{RAG}*: _no value yet_ · target ≥ 92%" in whole
    run(bot, "/cadence", f"map {SUPPORT}", user=MARIA)
    [posted] = [m for m in bot.fake.messages(GENERAL) if m["text"].startswith("Escalation map")]
    assert "Show all 12 nodes" in [b["text"] for b in buttons(posted["blocks"])]
    assert_within_limits(posted["blocks"], "message", text=posted["text"])
    assert TIER1 not in all_text(posted["blocks"])
    assert f"*{TIER1}*" in show_all(bot, posted, user=LI)


def test_values_follow_the_scorecard_into_the_thread_week_by_week(bot, frozen_clock):
    staffed(bot, frozen_clock, at=datetime(2026, 11, 13, 10, 0, tzinfo=UTC))
    save_tree(bot)
    frozen_clock.current = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    open_threads(bot)
    settle(bot, frozen_clock)
    first = scorecard_view(bot, LI)
    assert_within_limits(modal_of(first), "modal")
    labels = [b["label"]["text"] for b in first["blocks"] if b["type"] == "input"]
    assert labels[4:] == [
        f"{RAG} (%)",
        f"{LATENCY} (s)",
        "Intent classifier F1 (%)",
        "Handoff rate to humans (%)",
        "Report generation errors (errors/week)",
        "Data freshness (h)",
    ]
    bot.sim.submit(
        first,
        user=LI,
        values={
            "Exception rate (percent, 0-100)": "4",
            f"{RAG} (%)": "90",
            f"{LATENCY} (s)": "2.6",
        },
    )
    frozen_clock.current = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    open_threads(bot)
    settle(bot, frozen_clock)
    view = scorecard_view(bot, LI)
    before = (kpi_values(bot), audit_actions(bot).count("scorecard.reported"))
    bad = bot.sim.submit(
        view,
        user=LI,
        values={"Exception rate (percent, 0-100)": "7.2", f"{LATENCY} (s)": "fast"},
    )
    [field] = bad.json["errors"]
    assert (
        field.startswith("kpi-value-")
        and bad.json["errors"][field] == f"{LATENCY} must be a number."
    )
    assert (kpi_values(bot), audit_actions(bot).count("scorecard.reported")) == before
    saved = bot.sim.submit(
        view,
        user=LI,
        values={
            "Exception rate (percent, 0-100)": "7.2",
            f"{RAG} (%)": "93",
            f"{LATENCY} (s)": "1.6",
        },
    )
    assert "Saved 3 measure(s)" in all_text(saved.json["view"])
    assert kpi_values(bot) == {
        f"{RAG}@16": 90,
        f"{LATENCY}@16": 2.6,
        f"{RAG}@23": 93,
        f"{LATENCY}@23": 1.6,
    }
    with bot.session() as db:
        assert len(db.exec(select(ScorecardEntry)).all()) == 2
    assert audit_actions(bot).count("kpi.reported") == 2
    settle(bot, frozen_clock)
    parent = parents(bot)[-1]
    shown = bot.fake.message(parent["channel"], parent["ts"])
    assert_within_limits(shown["blocks"], "message", text=shown["text"])
    thread = all_text(shown["blocks"])
    assert thread.index("*Scorecard*") < thread.index("*KPI tree*")
    assert (
        f"*{DRIVER}*: _no value yet_ · target ≤ 5 % churn · below it: 2 ✓ 0 ✗, 2 not reported"
        in thread
    )
    assert (
        f"• Exception rate rose (4% → 7.2%) → puts *{TIER1}* at risk, and with it *{GOAL}*"
        in thread
    )
    whole = show_all(bot, parent, user=EVE)
    assert f"✓ *{RAG}*: 93% · target ≥ 92% · `      ▁█`" in whole
    assert f"✓ *{LATENCY}*: 1.6 s · target ≤ 2 s · `      █▁`" in whole
    assert (
        f"· *{TIER1}*: _no value yet_ · target ≥ 85% · below it: 2 ✓ 0 ✗ · _exception rate_"
        in whole
    )
    assert "week of 23 Nov" in whole
    # Unlinking the metric (an edit of the tree) redraws the open thread without the risk.
    bot.sim.submit(kpi_view(bot, MARIA), user=MARIA, values={"kpi-link-exception_rate": ""})
    settle(bot, frozen_clock)
    redrawn = all_text(bot.fake.message(parent["channel"], parent["ts"])["blocks"])
    assert "*KPI tree*" in redrawn and "Outcomes at risk" not in redrawn
    assert audit_actions(bot).count("kpi.tree_saved") == 2


def test_a_damaged_show_all_button_changes_nothing_and_says_so(bot, frozen_clock):
    staffed(bot, frozen_clock)
    save_tree(bot)
    for value in ("7", "x:2026-11-23", "1:someday", "999:2026-11-23"):
        action = {"action_id": "kpi-show-all", "block_id": "b", "type": "button",
                  "value": value, "action_ts": "1700000000.1"}  # fmt: skip
        payload = click_payload(bot, action)
        assert bot.sim.send(payload).status == 200
        [answer] = bot.fake.wait_for_responses(key=payload["response_url"])
        assert answer["response_type"] == "ephemeral"
        assert answer["text"] in (STALE_BUTTON, "That workflow no longer exists.")
