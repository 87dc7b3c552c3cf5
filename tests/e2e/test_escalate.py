"""/escalate: recorded first, routed by the decision-rights map, never duplicated."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Escalation, EscalationEvent
from tests.conftest import ADMIN, DANA, EVE, GOV, LI, MARIA, SAM
from tests.e2e.helpers import audit_actions, channel_texts, run, said

SUPPORT = "Support resolution"


def _staffed(bot):
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|ai-support-gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/owner", f"workflow <@{LI}> {SUPPORT}", user=ADMIN)


def test_escalation_goes_to_the_approver_and_the_governance_channel(bot):
    _staffed(bot)
    answer = said(run(bot, "/escalate", f"{SUPPORT}: refund bot promised credits #policy",
                      user=EVE))  # fmt: skip
    assert f"Escalated to <@{MARIA}>" in answer
    with bot.session() as db:
        escalation = db.exec(select(Escalation)).one()
        events = [e.kind for e in db.exec(select(EscalationEvent)).all()]
    assert (escalation.decision_point, escalation.routed_to, escalation.raised_by) == (
        "policy_exception", MARIA, EVE)  # fmt: skip
    assert escalation.summary == "refund bot promised credits"
    assert events == ["raised", "routed"]
    assert audit_actions(bot)[-1] == "escalation.raised"
    bot.fake.wait_for(lambda: any("Escalation on" in m["text"] for m in bot.fake.dms(MARIA)))
    bot.fake.wait_for(lambda: any("Routed to" in t for t in channel_texts(bot, GOV)))


def test_council_matters_go_to_the_council_whatever_the_map_says(bot):
    _staffed(bot)
    run(bot, "/cadence", f"council add <@{DANA}> <@{SAM}>", user=ADMIN)
    answer = said(run(bot, "/escalate", f"{SUPPORT}: model leaked PII #sev1", user=EVE))
    assert f"Escalated to <@{DANA}>, <@{SAM}>" in answer
    with bot.session() as db:
        escalation = db.exec(select(Escalation)).one()
    assert escalation.needs_council and escalation.council_matter == "sev1_incident"
    bot.fake.wait_for(lambda: bot.fake.dms(DANA) and bot.fake.dms(SAM))


def test_without_a_colon_the_workflow_name_is_recognised(bot):
    _staffed(bot)
    answer = said(run(bot, "/escalate", "support resolution refunds are stuck", user=EVE))
    assert f"Escalated to <@{MARIA}>" in answer


def test_gaps_and_bad_input_are_explained(bot):
    run(bot, "/cadence", "workflow add Onboarding", user=ADMIN)
    unowned = said(run(bot, "/escalate", "Onboarding: welcome emails wrong", user=EVE))
    assert "nobody is accountable yet" in unowned
    assert "Did you mean *Onboarding*" in said(run(bot, "/escalate", "Onbording: x", user=EVE))
    assert "don't know the kind *#weird*" in said(
        run(bot, "/escalate", "Onboarding: x #weird", user=EVE)
    )
    assert "What happened?" in said(run(bot, "/escalate", "Onboarding:", user=EVE))
    assert "For example" in said(run(bot, "/escalate", "", user=EVE))
    with bot.session() as db:
        assert len(db.exec(select(Escalation)).all()) == 1


def test_a_retried_request_does_not_duplicate_the_escalation(bot):
    _staffed(bot)
    body = (
        "token=t&team_id=T0001&team_domain=x&channel_id=C0GENERAL&channel_name=general"
        f"&user_id={EVE}&user_name=eve&command=%2Fescalate&text=Support+resolution%3A+stuck"
        f"&api_app_id=A0001&response_url={bot.fake.response_url()}&trigger_id=123.456.abc"
    ).encode()
    for _ in range(2):
        headers = bot.sim.signed_headers(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        assert bot.sim.post_raw(body, headers).status == 200
    bot.fake.wait_for_responses(count=2 + 3)  # the two escalations' answers after the set-up
    with bot.session() as db:
        assert len(db.exec(select(Escalation)).all()) == 1
    bot.fake.wait_for(lambda: any("Routed to" in t for t in channel_texts(bot, GOV)))
    bot.deliverer.deliver_due()  # anything still queued goes out now
    escalation_dms = [m for m in bot.fake.dms(MARIA) if "Escalation on" in m["text"]]
    assert len(escalation_dms) == 1
    assert sum("Routed to" in t for t in channel_texts(bot, GOV)) == 1


def test_a_summary_cannot_ping_the_channel(bot):
    _staffed(bot)
    run(bot, "/escalate", f"{SUPPORT}: &lt;!channel&gt; refunds &amp; credits", user=EVE)
    bot.fake.wait_for(lambda: any("Routed to" in t for t in channel_texts(bot, GOV)))
    notice = next(t for t in channel_texts(bot, GOV) if "Routed to" in t)
    assert "&lt;!channel&gt; refunds &amp; credits" in notice
    assert "<!channel>" not in notice
