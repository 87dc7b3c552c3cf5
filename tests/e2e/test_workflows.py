"""/cadence workflow: add, list, show, rename, archive — through signed requests."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Workflow
from tests.cast import ADMIN, EVE, GENERAL, GOV, MARIA
from tests.e2e.helpers import audit_actions, channel_texts, outbox_keys, run, said

ADD = f"workflow add Support resolution in <#{GOV}|ai-support-gov>"


def test_admin_adds_a_workflow_with_channel_outcome_and_risk(bot):
    answer = run(
        bot, "/cadence", ADD + ' outcome "reduce time to resolution" risk high', user=ADMIN
    )
    assert "Registered *Support resolution*" in said(answer)
    assert answer["response_type"] == "ephemeral"
    with bot.session() as db:
        workflow = db.exec(select(Workflow)).one()
    assert (workflow.name, workflow.channel_id, workflow.risk_tier) == (
        "Support resolution", GOV, "high")  # fmt: skip
    assert workflow.business_outcome == "reduce time to resolution"
    assert audit_actions(bot) == ["workflow.added"]
    bot.fake.wait_for(lambda: channel_texts(bot, GOV))
    assert "governance channel" in channel_texts(bot, GOV)[0]


def test_governance_channel_defaults_to_where_the_command_ran(bot):
    run(bot, "/cadence", "workflow add Renewal risk scoring", user=ADMIN, channel=GENERAL)
    with bot.session() as db:
        workflow = db.exec(select(Workflow)).one()
    assert (workflow.channel_id, workflow.risk_tier) == (GENERAL, "medium")


def test_name_taken_in_any_case_is_refused_and_changes_nothing(bot):
    run(bot, "/cadence", ADD, user=ADMIN)
    answer = run(bot, "/cadence", "workflow add SUPPORT   resolution", user=ADMIN)
    assert "already a workflow called" in said(answer)
    with bot.session() as db:
        assert len(db.exec(select(Workflow)).all()) == 1
    assert audit_actions(bot) == ["workflow.added"]


def test_bad_risk_tier_is_explained(bot):
    answer = run(bot, "/cadence", "workflow add Onboarding risk: extreme", user=ADMIN)
    assert "low, medium or high" in said(answer)
    assert audit_actions(bot) == []


def test_list_show_rename_archive(bot):
    run(bot, "/cadence", ADD, user=ADMIN)
    run(bot, "/cadence", "workflow add Onboarding", user=ADMIN)
    listing = said(run(bot, "/cadence", "workflow list", user=EVE))
    assert "Onboarding" in listing and "Support resolution" in listing
    assert "no outcome owner" in listing
    shown = said(run(bot, "/cadence", "workflow show support RESOLUTION", user=EVE))
    assert "Support resolution" in shown and "<#CGOV>" in shown
    renamed = said(
        run(bot, "/cadence", "workflow rename support resolution to Support triage", user=ADMIN)
    )
    assert "now called *Support triage*" in renamed
    archived = said(run(bot, "/cadence", "workflow archive support triage", user=ADMIN))
    assert "Archived *Support triage*" in archived
    listing = said(run(bot, "/cadence", "workflow list", user=EVE))
    assert "Support triage" not in listing and "Onboarding" in listing
    assert audit_actions(bot) == [
        "workflow.added", "workflow.added", "workflow.renamed", "workflow.archived"]  # fmt: skip
    # An archived workflow's name can be used again.
    assert "Registered" in said(run(bot, "/cadence", "workflow add Support triage", user=ADMIN))


def test_unknown_workflow_suggests_close_names(bot):
    run(bot, "/cadence", ADD, user=ADMIN)
    answer = said(run(bot, "/cadence", "workflow show Suport resolutoin", user=EVE))
    assert "couldn't find a workflow called *Suport resolutoin*" in answer
    assert "Did you mean *Support resolution*" in answer


def test_member_without_authority_cannot_add(bot):
    answer = said(run(bot, "/cadence", ADD, user=EVE))
    assert "can't change that" in answer and "workspace admin" in answer
    assert audit_actions(bot) == [] and outbox_keys(bot) == []


def test_workflow_subcommand_without_action_explains(bot):
    assert "add, list, show, rename, archive" in said(run(bot, "/cadence", "workflow", user=MARIA))


def test_typed_ampersands_and_brackets_arrive_escaped_and_are_handled(bot):
    # With should_escape, Slack sends a typed "R&D" as "R&amp;D" and "<" as "&lt;".
    answer = said(run(bot, "/cadence", "workflow add R&amp;D triage", user=ADMIN))
    assert "Registered *R&amp;D triage*" in answer
    with bot.session() as db:
        assert db.exec(select(Workflow)).one().name == "R&D triage"
    forged = said(run(bot, "/cadence", "workflow add &lt;!channel&gt; alerts", user=ADMIN))
    assert "can't contain mentions, links, < or >" in forged
    assert audit_actions(bot) == ["workflow.added"]
