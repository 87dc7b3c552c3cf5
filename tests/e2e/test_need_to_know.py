"""Need-to-know escalations: a confidential one tells its channel only that it exists, and
`/escalate show` answers only the people an escalation concerns."""

from __future__ import annotations

from sqlmodel import select

from slackfake.forms import all_text
from slackfake.sim import SlackSim
from storage.models import AuditEvent, DecisionRight, Escalation
from tests.cast import ADMIN, DANA, EVE, GOV, LI, MARIA, SAM
from tests.conftest import SIGNING_SECRET
from tests.e2e.helpers import run, said
from tests.e2e.test_escalate import SUPPORT, escalate, fields, open_form, owner_dm, staffed
from tests.e2e.test_escalation_lifecycle import hand_off, resolve

SECRET_SUMMARY = "vendor NDA breach in refund data"
SECRET_DETAILS = "Acme's contract clause 7 was broken on 3 refunds"
CONFIDENTIAL = {"escalation-confidential": ["confidential"]}


def gov_channel_says(bot) -> str:
    """Everything posted in the governance channel: notices, thread notes, updates."""
    return "\n".join(
        m["text"] + "\n" + all_text(m.get("blocks") or []) for m in bot.fake.messages(GOV)
    )


def inform_stage_owner(bot) -> None:
    """The map keeps Sam (stage owner) and the council informed of policy exceptions."""
    run(bot, "/owner", f'stage "Exception handling" <@{SAM}> {SUPPORT}', user=ADMIN)
    with bot.session() as db:
        parties = ["stage:Exception handling", "council"]
        db.add(DecisionRight(workflow_id=1, decision_point="policy_exception", duty="informed",
                             parties=parties, updated_by=ADMIN))  # fmt: skip
        db.commit()


def show(bot, number: int, user: str) -> str:
    return said(run(bot, "/escalate", f"show {number}", user=user))


def refusals(bot) -> list[tuple[str, int | None]]:
    with bot.session() as db:
        rows = db.exec(select(AuditEvent).where(AuditEvent.action == "escalation.view_refused"))
        return [(r.actor, r.detail.get("escalation_id")) for r in rows]


def test_the_form_offers_confidential_and_ticks_it_for_a_compliance_exception(bot):
    staffed(bot)
    box = fields(open_form(bot))["escalation-confidential"]
    assert box["optional"] and box["element"]["type"] == "checkboxes"
    assert "initial_options" not in box["element"]
    ticked = fields(open_form(bot, f"{SUPPORT}: data kept too long #compliance-exception"))
    assert ticked["escalation-confidential"]["element"]["initial_options"][0]["value"] == (
        "confidential"
    )


def test_a_confidential_escalation_tells_its_channel_only_that_it_exists(bot):
    staffed(bot, council=[DANA])
    inform_stage_owner(bot)
    esc = escalate(bot, summary=SECRET_SUMMARY, extra={"Details": SECRET_DETAILS, **CONFIDENTIAL})
    assert esc.confidential
    notice = f"Confidential escalation #{esc.id} on *{SUPPORT}*, owned by <@{MARIA}>"
    bot.fake.wait_for(lambda: notice in gov_channel_says(bot))
    # The owner's DM says everything; the reporter's confirmation says it is confidential.
    dm = owner_dm(bot, MARIA, esc.id)
    assert SECRET_SUMMARY in dm["text"] and SECRET_DETAILS in all_text(dm["blocks"])
    assert any("confidential" in e["text"] for e in bot.fake.ephemerals(EVE))
    # The informed stage owner hears that it exists; the council member (informed by default)
    # hears what it says.
    informed = f":lock: For your information: {notice}."
    bot.fake.wait_for(lambda: any(m["text"] == informed for m in bot.fake.dms(SAM)))
    assert not any(SECRET_SUMMARY in m["text"] for m in bot.fake.dms(SAM))
    bot.fake.wait_for(lambda: any(SECRET_SUMMARY in m["text"] for m in bot.fake.dms(DANA)))
    # Its life in the channel's thread carries no note and no reason.
    hand_off(bot, dm, user=MARIA, to=LI, reason="Li knows the Acme contract")
    resolve(bot, owner_dm(bot, LI, esc.id), user=LI, note="Refunds reversed under clause 7")
    bot.fake.wait_for(lambda: f"<@{LI}> resolved escalation #{esc.id}." in gov_channel_says(bot))
    said_in_channel = gov_channel_says(bot)
    for secret in (SECRET_SUMMARY, SECRET_DETAILS, "Acme", "clause 7", "Policy exception"):
        assert secret not in said_in_channel, secret


def test_show_gives_details_only_to_those_who_need_to_know(bot):
    staffed(bot, council=[DANA])
    inform_stage_owner(bot)
    bot.fake.add_channel(GOV, name="ai-support-gov", members=[ADMIN, LI])
    esc = escalate(bot, summary=SECRET_SUMMARY, extra=CONFIDENTIAL)
    for insider in (EVE, MARIA, DANA):  # reporter, owner, council
        assert SECRET_SUMMARY in show(bot, esc.id, insider), insider
    for outsider in (SAM, ADMIN):  # informed by the map; in the governance channel
        seen = show(bot, esc.id, outsider)
        assert f"Confidential escalation #{esc.id} on *{SUPPORT}*, owned by <@{MARIA}>" in seen
        assert SECRET_SUMMARY not in seen and "Timeline" not in seen
    stranger = show(bot, esc.id, "U0STRANGER")
    assert f"Escalation #{esc.id} is not yours to see" in stranger
    assert SECRET_SUMMARY not in stranger and SUPPORT not in stranger
    assert refusals(bot) == [("U0STRANGER", esc.id)]
    # A former holder still knows what it says.
    hand_off(bot, owner_dm(bot, MARIA, esc.id), user=MARIA, to=LI, reason="Li knows it")
    assert SECRET_SUMMARY in show(bot, esc.id, MARIA)


def test_a_compliance_exception_is_confidential_even_unticked(bot):
    staffed(bot)
    esc = escalate(bot, kind="Compliance exception", summary=SECRET_SUMMARY)
    assert esc.confidential and esc.council_matter == "compliance_exception"


def test_every_escalation_is_shown_only_to_the_people_it_concerns(bot):
    staffed(bot)
    inform_stage_owner(bot)
    esc = escalate(bot, summary="refund bot promised credits")
    assert not esc.confidential
    bot.fake.wait_for(lambda: "refund bot promised credits" in gov_channel_says(bot))
    bot.fake.add_channel(GOV, name="ai-support-gov", members=[ADMIN])
    for allowed in (EVE, MARIA, SAM, ADMIN):  # reporter, owner, informed, channel member
        assert "refund bot promised credits" in show(bot, esc.id, allowed), allowed
    assert "not yours to see" in show(bot, esc.id, DANA)
    assert "not yours to see" in show(bot, esc.id, LI)
    assert refusals(bot) == [(DANA, esc.id), (LI, esc.id)]
    # The channel's members are asked of Slack once, then remembered for a minute.
    assert len(bot.fake.calls_to("conversations.members")) == 1


def test_the_number_is_looked_up_in_the_callers_workspace_only(bot):
    staffed(bot)
    esc = escalate(bot, summary="refund bot promised credits")
    elsewhere = SlackSim(bot.url, SIGNING_SECRET, bot.fake, team_id="T0OTHER")
    reply = elsewhere.command("/escalate", f"show {esc.id}", user=EVE)
    answer = reply.json or bot.fake.wait_for_responses(key=reply.response_url)[0]
    assert f"There is no escalation #{esc.id}" in said(answer)
    with bot.session() as db:
        assert db.exec(select(Escalation)).one().team_id == "T0001"


def test_an_export_in_slack_withholds_confidential_words_from_an_admin_not_on_the_council(bot):
    staffed(bot, council=[DANA])
    esc = escalate(bot, summary=SECRET_SUMMARY, extra=CONFIDENTIAL)
    bot.deliverer.channel_pace = 0
    for user in (ADMIN, DANA):  # a workspace admin; a council member
        run(bot, "/cadence", "export escalations json", user=user)
        bot.fake.wait_for(lambda u=user: any(f.channel == "D" + u for f in bot.fake.shared_files))
    files = {f.channel: f.content.decode() for f in bot.fake.shared_files}
    assert SECRET_SUMMARY not in files["D" + ADMIN] and '"(confidential)"' in files["D" + ADMIN]
    assert SECRET_SUMMARY in files["D" + DANA]
    assert f'"escalation_id": {esc.id}' in files["D" + ADMIN]
