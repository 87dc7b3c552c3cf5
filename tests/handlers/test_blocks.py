"""Block Kit builders as data: kit, help, workflow and owner lists, workflow detail, App Home.

The escalation map and the modals are in test_blocks_map.py and test_blocks_modals.py.
"""

from __future__ import annotations

import re

import pytest

from cadence.accountability.owners import role_phrase
from cadence.accountability.queries import Owners
from cadence.home import HomeSummary
from handlers.blocks import kit
from handlers.blocks.help import HELP_SECTIONS, SUBCOMMAND_NAMES, build_help, help_text
from handlers.blocks.home import build_home
from handlers.blocks.workflows import (
    build_owner_list,
    build_workflow_detail,
    build_workflow_list,
    owners_line,
)
from tests.blockkit import assert_within_limits, text_objects
from tests.handlers.block_inputs import (
    assert_user_text_escaped,
    hostile,
    hostile_stages,
    workflow,
    workflows,
)

NORMAL_OWNERS = Owners(outcome="UMARIA", workflow="ULI", stages={"Intake": "USAM"})
HOSTILE_OWNERS = Owners(stages=hostile_stages(50))  # no outcome or workflow owner: every gap


def all_text(blocks: object) -> str:
    return "\n".join(text_objects(blocks))


# -- kit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 2, 5, 24, 75, 150, 3000])
@pytest.mark.parametrize("text", ["x" * 5000, "word " * 1000, "é" * 4000, "<&>" * 2000])
def test_truncate_ends_with_an_ellipsis_and_respects_the_limit(text: str, limit: int) -> None:
    cut = kit.truncate(text, limit)
    assert len(cut) <= limit
    assert cut.endswith("…")
    assert text.startswith(cut[:-1])


@pytest.mark.parametrize("text", ["", "short", "x" * 75])
def test_truncate_leaves_text_within_the_limit_alone(text: str) -> None:
    assert kit.truncate(text, 75) == text


def test_truncate_cuts_at_exactly_the_limit() -> None:
    assert kit.truncate("abcdef", 4) == "abc…"
    assert kit.truncate("ab   cdef", 4) == "ab…"  # trailing space dropped before the ellipsis


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("Support resolution", "Support resolution"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<!here> & <!channel>", "&lt;!here&gt; &amp; &lt;!channel&gt;"),
        ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("&lt; already", "&amp;lt; already"),  # & first, so nothing is unescaped by accident
        ("*bold* _it_ `code`", "*bold* _it_ `code`"),
    ],
)
def test_escape_neutralises_mrkdwn_control_characters(text: str, escaped: str) -> None:
    assert kit.escape(text) == escaped


def test_kit_builders_cap_every_text() -> None:
    long = "y" * 5000
    assert kit.header(long)["text"]["text"] == "y" * 149 + "…"
    assert len(kit.section(long)["text"]["text"]) == 3000
    assert len(kit.context(*[long] * 12)["elements"]) == 10
    element = kit.button(long, action_id="a", value=long)
    assert len(element["text"]["text"]) == 75 and len(element["value"]) == 2000
    choice = kit.option(long, long)
    assert len(choice["text"]["text"]) == 75 and len(choice["value"]) == 150
    assert len(kit.fallback_text(long)) == 4000
    assert_within_limits(
        [
            kit.header(long),
            kit.section(long),
            kit.context(*[long] * 12),
            kit.section("x", accessory=element),
        ],
        "message",
        text=kit.fallback_text(long),
    )


def test_cap_blocks_keeps_the_limit_and_says_what_was_left_out() -> None:
    blocks = [kit.divider()] * 80
    capped = kit.cap_blocks(blocks, 50, more="More not shown.")
    assert len(capped) == 50
    assert capped[-1] == kit.context("More not shown.")
    assert kit.cap_blocks(blocks[:50], 50, more="x") == blocks[:50]


# -- help --------------------------------------------------------------------------------------


def test_help_fits_in_a_message() -> None:
    assert_within_limits(build_help(), "message", text=help_text())


def test_help_lists_every_command_with_an_example() -> None:
    text = all_text(build_help())
    for command in ("/cadence", "/owner", "/escalate"):
        assert f"`{command}" in text
    for _title, commands in HELP_SECTIONS:
        for item in commands:
            assert kit.escape(item.usage) in text
            assert f"_e.g._ `{kit.escape(item.example)}`" in text  # shown whole, not truncated


def _documented(prefix: str) -> set[str]:
    """Second words of the help's usages and examples that start with `prefix`."""
    words: dict[str, set[str]] = {"usage": set(), "example": set()}
    for _title, commands in HELP_SECTIONS:
        for item in commands:
            for kind, line in (("usage", item.usage), ("example", item.example)):
                if line.startswith(prefix + " "):
                    words[kind] |= set(line.removeprefix(prefix + " ").split(" ")[0].split("|"))
    return words["usage"] & words["example"]


def test_help_has_every_cadence_sub_command_that_is_registered() -> None:
    from handlers.commands import council, escalation_map, rights, workflow  # noqa: F401
    from handlers.commands.cadence import SUBCOMMANDS

    documented = _documented("/cadence")
    assert set(SUBCOMMAND_NAMES) <= documented
    assert set(SUBCOMMANDS) <= documented


def test_help_has_every_action_of_each_sub_command() -> None:
    from handlers.commands.owner import ROLE_WORDS
    from handlers.commands.workflow import ACTIONS

    assert set(ACTIONS.split(", ")) <= _documented("/cadence workflow")
    assert {"add", "list"} <= _documented("/cadence council")
    usages = {item.usage for _title, commands in HELP_SECTIONS for item in commands}
    assert "/cadence council add|remove @person" in usages
    assert {*ROLE_WORDS, "list"} <= _documented("/owner")
    assert "/owner" in usages  # the bare form opens the modal
    assert any(u.startswith("/escalate WORKFLOW") for u in usages)


def test_help_leads_with_the_intro_and_says_it_in_the_notification() -> None:
    intro = "I don't know `/cadence mpa`. Did you mean `/cadence map`?"
    blocks = build_help(intro=intro)
    assert blocks[0] == kit.section(intro)
    assert blocks[1]["type"] == "header"
    assert help_text(intro=intro).startswith(intro)
    assert_within_limits(blocks, "message", text=help_text(intro=intro))


def test_help_with_a_huge_intro_stays_within_limits() -> None:
    intro = "I don't know `/cadence " + "x" * 5000 + "`."
    assert_within_limits(build_help(intro=intro), "message", text=help_text(intro=intro))
    assert help_text(intro=intro).endswith("…")


# -- workflow list, detail, owner list ------------------------------------------------------------


def test_workflow_list_shows_each_workflow_with_owners_and_gaps() -> None:
    items = [
        (workflow(1), NORMAL_OWNERS),
        (workflow(2, name="Claims intake", outcome=None), Owners()),
    ]
    blocks = build_workflow_list(items)
    assert_within_limits(blocks, "message")
    assert blocks[0]["text"]["text"] == "AI workflows (2)"
    first, second = blocks[1]["text"]["text"], blocks[2]["text"]["text"]
    assert first.startswith("*Support resolution*  <#CGOV> · risk high")
    assert "outcome: _reduce time to resolution_" in first
    assert "Outcome owner: <@UMARIA> · Workflow owner: <@ULI>" in first
    assert "Stage owners: Intake <@USAM>" in first
    assert ":warning: _no outcome owner_" in second and ":warning: _no workflow owner_" in second


def test_workflow_list_when_there_are_none() -> None:
    blocks = build_workflow_list([])
    assert_within_limits(blocks, "message")
    assert "/cadence workflow add" in blocks[0]["text"]["text"]


def test_workflow_list_of_200_hostile_workflows_is_capped_at_50_blocks() -> None:
    items = [(w, HOSTILE_OWNERS) for w in workflows(200, hostile_names=True)]
    blocks = build_workflow_list(items)
    assert_within_limits(blocks, "message", text="AI workflows")
    assert len(blocks) == 50
    assert blocks[0]["text"]["text"] == "AI workflows (200)"
    assert "More workflows not shown" in blocks[-1]["elements"][0]["text"]
    assert_user_text_escaped(blocks)


def test_workflow_list_of_200_ordinary_workflows() -> None:
    blocks = build_workflow_list([(w, NORMAL_OWNERS) for w in workflows(200)])
    assert_within_limits(blocks, "message")
    assert [b["text"]["text"].split("*")[1] for b in blocks[1:49]] == [
        f"Workflow {i:03d}" for i in range(1, 49)
    ]


def test_workflow_detail_shows_summary_owners_gaps_and_recent_history() -> None:
    history = [f"• 2026-11-{d:02d}: <@UMARIA> outcome owner, by <@UADMIN>" for d in range(1, 21)]
    blocks = build_workflow_detail(workflow(), Owners(workflow="ULI"), history)
    assert_within_limits(blocks, "message", text="Support resolution")
    assert blocks[0] == kit.header("Support resolution")
    text = all_text(blocks)
    assert ":warning: *Gaps:* no outcome owner" in text
    assert history[-1] in text and history[5] in text and history[4] not in text  # last 15
    assert "`/cadence map Support resolution`" in text


def test_workflow_detail_without_gaps_or_history() -> None:
    blocks = build_workflow_detail(workflow(), NORMAL_OWNERS, [])
    assert_within_limits(blocks, "message")
    assert "Gaps" not in all_text(blocks) and "history" not in all_text(blocks)


def test_workflow_detail_with_hostile_input_stays_within_limits_and_escaped() -> None:
    wf = workflow(7, name=hostile(7, 80), outcome=hostile(8, 300))
    history = [f"• line {i} " + "x" * 300 for i in range(40)]
    blocks = build_workflow_detail(wf, HOSTILE_OWNERS, history)
    assert_within_limits(blocks, "message", text=kit.fallback_text(wf.name))
    assert blocks[0]["text"]["text"] == wf.name  # plain_text: shown as typed, nothing to escape
    assert_user_text_escaped(blocks)


def test_owner_list_puts_gaps_first_then_every_workflow() -> None:
    items = [(workflow(1), NORMAL_OWNERS), (workflow(2, name="Claims intake"), Owners())]
    blocks = build_owner_list(items)
    assert_within_limits(blocks, "message", text="Who owns what")
    assert blocks[0] == kit.header("Who owns what")
    assert blocks[1]["text"]["text"] == (
        ":warning: *Gaps*\n• *Claims intake*: no outcome owner, no workflow owner"
    )
    assert blocks[2]["text"]["text"] == "*Support resolution*\n" + owners_line(NORMAL_OWNERS)
    assert build_owner_list([])[0]["type"] == "section"


def test_owner_list_of_200_hostile_workflows() -> None:
    items = [(w, HOSTILE_OWNERS) for w in workflows(200, hostile_names=True)]
    blocks = build_owner_list(items)
    assert_within_limits(blocks, "message", text="Who owns what")
    assert len(blocks) == 50
    assert_user_text_escaped(blocks)


def test_owners_line_escapes_stage_names() -> None:
    line = owners_line(Owners(stages={"<@U123> & <!here>": "USAM"}))
    assert line.endswith("Stage owners: &lt;@U123&gt; &amp; &lt;!here&gt; <@USAM>")


# -- App Home ---------------------------------------------------------------------------------


def test_home_lists_roles_council_seat_and_gaps() -> None:
    wf, other = workflow(1), workflow(2, name="Claims intake")
    summary = HomeSummary(
        roles=[(wf, role_phrase("outcome")), (wf, role_phrase("stage", "Intake"))],
        on_council=True,
        gaps=[(other, ["no outcome owner", "no workflow owner"])],
        workflow_count=2,
    )
    view = build_home(summary)
    assert_within_limits(view, "home")
    text = all_text(view)
    lowered = text.lower()  # the role may be capitalised at the start of its line
    assert "• outcome owner of *support resolution* (<#cgov>)" in lowered
    assert "• stage owner for “intake” of *support resolution* (<#cgov>)" in lowered
    assert "You sit on the *AI council*" in text
    assert "• *Claims intake*: no outcome owner, no workflow owner" in text


def test_home_for_a_new_workspace_says_how_to_start() -> None:
    view = build_home(HomeSummary())
    assert_within_limits(view, "home")
    assert "*Get started*" in all_text(view) and "don't own any workflow" in all_text(view)


def test_home_when_every_workflow_has_owners() -> None:
    view = build_home(HomeSummary(workflow_count=3))
    assert_within_limits(view, "home")
    assert "All 3 workflows have owners" in all_text(view)


def hostile_home(*, stage_roles: bool) -> dict:
    items = workflows(200, hostile_names=True)
    stages = list(hostile_stages(50))
    roles = [
        (w, role_phrase("stage", stages[i % 50]) if stage_roles else role_phrase("workflow"))
        for i, w in enumerate(items)
    ]
    summary = HomeSummary(
        roles=roles,
        on_council=True,
        gaps=[(w, ["no outcome owner", "no workflow owner"]) for w in items],
        workflow_count=200,
    )
    return build_home(summary)


@pytest.mark.parametrize("stage_roles", [False, True])
def test_home_with_200_hostile_workflows_stays_within_limits(stage_roles: bool) -> None:
    view = hostile_home(stage_roles=stage_roles)
    assert_within_limits(view, "home")
    gaps = next(t for t in text_objects(view) if t.startswith(":warning: *Accountability gaps*"))
    assert len(re.findall(r"^• ", gaps, flags=re.MULTILINE)) <= 40


def test_home_escapes_workflow_names() -> None:
    assert_user_text_escaped(hostile_home(stage_roles=False))


def test_home_escapes_stage_names_in_roles() -> None:
    """BUG: cadence.home's role text is role_phrase('stage', name), and build_home puts it
    into mrkdwn unescaped, so a stage called `<@U123>` or `<https://x|y>` renders as markup."""
    assert_user_text_escaped(hostile_home(stage_roles=True))
