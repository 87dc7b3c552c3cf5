"""/escalate: a form opened at once, stored first, routed by the map, confirmed, never doubled."""

from __future__ import annotations

from sqlmodel import select

from slackfake.forms import all_text, buttons, inputs
from storage.models import Escalation, EscalationEvent, OutboxMessage
from tests.cast import ADMIN, DANA, EVE, GENERAL, GOV, LI, MARIA, SAM, populate
from tests.e2e.helpers import audit_actions, channel_texts, run, said

SUPPORT = "Support resolution"
SECRET = "CSECRET"


def staffed(bot, *, council=()):
    """Support resolution with Maria as outcome owner and Li as workflow owner."""
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|ai-support-gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/owner", f"workflow <@{LI}> {SUPPORT}", user=ADMIN)
    if council:
        run(bot, "/cadence", "council add " + " ".join(f"<@{u}>" for u in council), user=ADMIN)


def open_form(bot, text="", *, user=EVE, channel=GENERAL) -> dict:
    """Run /escalate and return the modal Slack opened."""
    before = len(bot.fake.calls_to("views.open"))
    reply = bot.sim.command("/escalate", text, user=user, channel=channel)
    assert reply.status == 200 and reply.elapsed < 3
    call = bot.fake.wait_for("views.open", count=before + 1)[-1]
    assert call.ok, call.response
    return bot.fake.view(call.response["view"]["id"])


def fields(view: dict) -> dict[str, dict]:
    """The modal's inputs by block_id."""
    return {i["block_id"]: i for i in inputs(view)}


def escalate(
    bot,
    *,
    kind="Policy exception",
    severity="sev-3",
    summary="refund bot promised credits",
    user=EVE,
    channel=GENERAL,
    extra=None,
) -> Escalation:
    """Fill and submit the form for Support resolution; return the stored escalation."""
    view = open_form(bot, user=user, channel=channel)
    values = {
        "Workflow": SUPPORT,
        "Decision point": kind,
        "Severity": severity,
        "What happened?": summary,
        **(extra or {}),
    }
    reply = bot.sim.submit(view, user=user, values=values)
    assert reply.status == 200 and reply.elapsed < 3
    assert not reply.body.strip() or "errors" not in (reply.json or {}), reply.body
    with bot.session() as db:
        return db.exec(select(Escalation).order_by(Escalation.id.desc())).first()


def owner_dm(bot, user: str, number: int) -> dict:
    """The DM with buttons that `user` got about escalation #number."""
    bot.fake.wait_for(lambda: any(f"#{number} " in m["text"] for m in bot.fake.dms(user)))
    return next(m for m in bot.fake.dms(user) if f"Escalation #{number} " in m["text"])


def events(bot, number: int) -> list[tuple[str, str, bool]]:
    """(kind, actor, authorized) of every event of an escalation."""
    with bot.session() as db:
        rows = db.exec(
            select(EscalationEvent)
            .where(EscalationEvent.escalation_id == number)
            .order_by(EscalationEvent.id)
        ).all()
        return [(e.kind, e.actor, e.authorized) for e in rows]


def test_form_opens_with_prefill_and_preselection(bot):
    staffed(bot)
    run(bot, "/cadence", "workflow add Onboarding in <#C0ONBOARD|onboarding>", user=ADMIN)
    old_form = fields(open_form(bot, f"{SUPPORT}: refund bot promised credits #policy"))
    assert old_form["escalation-workflow"]["element"]["initial_option"]["text"]["text"] == SUPPORT
    assert old_form["escalation-kind"]["element"]["initial_option"]["value"] == (
        "point:policy_exception"
    )
    assert old_form["escalation-summary"]["element"]["initial_value"] == (
        "refund bot promised credits"
    )
    named_first = fields(open_form(bot, "support resolution refunds are stuck #sev1"))
    assert named_first["escalation-kind"]["element"]["initial_option"]["value"] == (
        "matter:sev1_incident"
    )
    assert named_first["escalation-summary"]["element"]["initial_value"] == "refunds are stuck"
    free = fields(open_form(bot, "the refund model approves fraud", channel=GOV))
    assert free["escalation-workflow"]["element"]["initial_option"]["text"]["text"] == SUPPORT
    assert "initial_option" not in free["escalation-kind"]["element"]
    assert free["escalation-summary"]["element"]["initial_value"] == (
        "the refund model approves fraud"
    )
    empty = open_form(bot, "")
    assert "initial_option" not in fields(empty)["escalation-workflow"]["element"]
    assert [
        o["text"]["text"] for o in fields(empty)["escalation-workflow"]["element"]["options"]
    ] == ["Onboarding", SUPPORT]
    kinds = fields(empty)["escalation-kind"]["element"]["option_groups"]
    assert [len(g["options"]) for g in kinds] == [7, 6]
    severities = fields(empty)["escalation-severity"]["element"]["options"]
    assert [o["text"]["text"] for o in severities] == ["sev-1", "sev-2", "sev-3", "sev-4"]
    assert all(o["description"]["text"] for o in severities)
    assert not bot.fake.ephemerals(EVE)
    with bot.session() as db:
        assert db.exec(select(Escalation)).all() == []


def test_help_and_no_workflows_answer_without_a_form(bot):
    assert "/escalate list" in said(run(bot, "/escalate", "help", user=EVE))
    answer = said(run(bot, "/escalate", "something broke", user=EVE))
    assert "no workflows" in answer and "/cadence workflow add" in answer
    assert not bot.fake.calls_to("views.open")


def test_invalid_input_is_shown_inline_and_nothing_is_stored(bot):
    staffed(bot)
    view = open_form(bot)
    base = {"Workflow": SUPPORT, "Decision point": "Budget", "Severity": "sev-2"}
    blank = bot.sim.submit(view, user=EVE, values={**base, "What happened?": "   "})
    assert blank.json["response_action"] == "errors"
    assert "What happened?" in blank.json["errors"]["escalation-summary"]
    bad_link = bot.sim.submit(
        view, user=EVE, values={**base, "What happened?": "over budget", "Link": "ftp://files/x"}
    )
    assert "https://" in bad_link.json["errors"]["escalation-link"]
    with bot.session() as db:
        assert db.exec(select(Escalation)).all() == []
    assert not bot.fake.calls_to("chat.postEphemeral")


def test_submit_stores_routes_to_the_approver_and_confirms_where_it_was_run(bot):
    staffed(bot, council=[DANA])
    esc = escalate(
        bot,
        severity="sev-2",
        extra={"Details": "Three customers so far.", "Link": "https://tickets.example/42"},
    )
    assert (esc.decision_point, esc.council_matter, esc.severity) == (
        "policy_exception",
        None,
        "sev2",
    )
    assert (esc.routed_to, esc.routed_via, esc.needs_council) == (
        MARIA,
        "approver: Outcome owner",
        False,
    )
    assert (esc.summary, esc.details, esc.link) == (
        "refund bot promised credits",
        "Three customers so far.",
        "https://tickets.example/42",
    )
    assert (esc.raised_by, esc.source_channel_id, esc.status) == (EVE, GENERAL, "open")
    assert [k for k, _, _ in events(bot, esc.id)] == ["raised", "routed"]
    assert "escalation.raised" in audit_actions(bot)
    (confirmation,) = bot.fake.wait_for("chat.postEphemeral")
    assert (confirmation.params["channel"], confirmation.params["user"]) == (GENERAL, EVE)
    assert f"Escalation #{esc.id}" in confirmation.params["text"]
    assert f"<@{MARIA}> owns it" in confirmation.params["text"]
    dm = owner_dm(bot, MARIA, esc.id)
    assert [b["text"] for b in buttons(dm["blocks"])] == ["Acknowledge", "Resolve", "Hand off"]
    assert "Three customers so far." in all_text(dm)
    bot.fake.wait_for(lambda: any(f"#{esc.id} " in t for t in channel_texts(bot, GOV)))
    # The council is informed by default (the map's "informed" duty), with a short DM.
    bot.fake.wait_for(lambda: any("For your information" in m["text"] for m in bot.fake.dms(DANA)))
    assert not buttons(bot.fake.dms(DANA)[-1]["blocks"])
    assert not [m for m in bot.fake.dms(EVE) if f"#{esc.id}" in m["text"]]


def test_fallback_order_workflow_owner_then_outcome_owner_then_council(bot):
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|ai-support-gov>", user=ADMIN)
    run(bot, "/cadence", f"council add <@{DANA}> <@{SAM}>", user=ADMIN)
    to_council = escalate(bot, kind="Budget")
    assert (to_council.routed_to, to_council.routed_via) == (None, "AI council (no owners)")
    for member in (DANA, SAM):  # only the council holds it: every member gets the buttons
        assert buttons(owner_dm(bot, member, to_council.id)["blocks"])
    run(bot, "/owner", f"workflow <@{LI}> {SUPPORT}", user=ADMIN)
    # The approver (outcome owner) is unset, so the workflow owner is next...
    to_li = escalate(bot, kind="Budget")
    assert (to_li.routed_to, to_li.routed_via) == (LI, "workflow owner (no approver set)")
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    assert escalate(bot, kind="Budget").routed_to == MARIA  # ...and the approver comes first.


def test_council_matters_and_sev1_reach_the_council_as_well_as_the_owner(bot):
    staffed(bot, council=[DANA, SAM])
    matter = escalate(bot, kind="Budget overrun")
    assert (matter.decision_point, matter.council_matter) == ("budget", "budget_overrun")
    assert (matter.routed_to, matter.needs_council) == (MARIA, True)
    sev1 = escalate(bot, kind="Model change", severity="sev-1")
    assert (sev1.routed_to, sev1.needs_council, sev1.council_matter) == (MARIA, True, None)
    for number in (matter.id, sev1.id):
        for person in (MARIA, DANA, SAM):
            assert buttons(owner_dm(bot, person, number)["blocks"])
    calls = bot.fake.wait_for("chat.postEphemeral", count=2)
    assert "The AI council has been told as well." in calls[-1].params["text"]


def test_escalation_from_a_channel_the_bot_is_not_in_confirms_by_dm(bot):
    staffed(bot)
    bot.fake.add_channel(SECRET, name="secret-project", is_private=True, is_member=False)
    esc = escalate(bot, channel=SECRET)
    assert esc.source_channel_id == SECRET
    (refused,) = bot.fake.wait_for("chat.postEphemeral")
    assert refused.error == "not_in_channel"
    bot.fake.wait_for(lambda: any(f"Escalation #{esc.id}" in m["text"] for m in bot.fake.dms(EVE)))
    confirmation = next(m for m in bot.fake.dms(EVE) if f"#{esc.id}" in m["text"])
    assert f"<@{MARIA}> owns it" in confirmation["text"]
    assert owner_dm(bot, MARIA, esc.id)


def test_any_slack_error_on_the_ephemeral_falls_back_to_a_dm(bot):
    staffed(bot)
    bot.fake.fail("chat.postEphemeral", error="channel_not_found")  # e.g. a DM between two others
    esc = escalate(bot, channel="DUEVEUMARIA")
    bot.fake.wait_for(lambda: any(f"Escalation #{esc.id}" in m["text"] for m in bot.fake.dms(EVE)))


def test_double_submit_makes_one_escalation_and_one_message_each(bot):
    staffed(bot, council=[DANA])
    view = open_form(bot)
    values = {
        "Workflow": SUPPORT,
        "Decision point": "Compliance exception",
        "Severity": "sev-1",
        "What happened?": "PII in the prompt log",
    }
    for _ in range(3):
        assert bot.sim.submit(view, user=EVE, values=values, latest=False).status == 200
    with bot.session() as db:
        (esc,) = db.exec(select(Escalation)).all()
    owner_dm(bot, MARIA, esc.id)
    owner_dm(bot, DANA, esc.id)
    bot.fake.wait_for(lambda: any(f"#{esc.id} " in t for t in channel_texts(bot, GOV)))
    bot.deliverer.deliver_due()
    assert len(bot.fake.calls_to("chat.postEphemeral")) == 1
    for person in (MARIA, DANA):
        assert sum(f"#{esc.id} " in m["text"] for m in bot.fake.dms(person)) == 1
    assert sum(f"#{esc.id} " in t for t in channel_texts(bot, GOV)) == 1
    assert events(bot, esc.id) == [("raised", EVE, True), ("routed", EVE, True)]


def test_a_retried_slash_command_opens_one_form(bot):
    staffed(bot)
    body = (
        "token=t&team_id=T0001&team_domain=x&channel_id=C0GENERAL&channel_name=general"
        f"&user_id={EVE}&user_name=eve&command=%2Fescalate&text=Support+resolution%3A+stuck"
        f"&api_app_id=A0001&response_url={bot.fake.response_url()}&trigger_id=123.456.abc"
    ).encode()
    for _ in range(2):
        headers = bot.sim.signed_headers(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        assert bot.sim.post_raw(body, headers).status == 200
    opened = bot.fake.wait_for("views.open", count=2)
    assert [c.error for c in opened] == [None, "exchanged_trigger_id"]
    (view,) = [v for v in bot.fake.views.values() if v["callback_id"] == "escalation-modal"]
    for _ in range(2):
        bot.sim.submit(
            view,
            user=EVE,
            values={"Decision point": "Incident response", "Severity": "sev-3"},
            latest=False,
        )
    bot.deliverer.deliver_due()
    with bot.session() as db:
        (esc,) = db.exec(select(Escalation)).all()
    assert esc.summary == "stuck"
    assert sum(f"#{esc.id} " in m["text"] for m in owner_dms(bot, MARIA)) == 1
    assert not any("went wrong" in said(r) for r in bot.fake.responses())


def owner_dms(bot, user):
    """Every DM to `user` once the outbox is drained."""
    bot.fake.wait_for(lambda: any("Escalation #" in m["text"] for m in bot.fake.dms(user)))
    return bot.fake.dms(user)


def test_a_summary_cannot_ping_the_channel(bot):
    staffed(bot)
    esc = escalate(bot, summary="<!channel> refunds & credits")
    assert esc.summary == "<!channel> refunds & credits"
    bot.fake.wait_for(lambda: any(f"#{esc.id} " in t for t in channel_texts(bot, GOV)))
    notice = next(m for m in bot.fake.messages(GOV) if f"#{esc.id} " in m["text"])
    shown = notice["text"] + all_text(notice)
    assert "&lt;!channel&gt; refunds &amp; credits" in shown
    assert "<!channel>" not in shown


def test_slack_failing_after_the_escalation_is_stored_loses_nothing(bot, frozen_clock):
    # Per-channel pacing waits on the real clock; this test moves only the frozen one.
    bot.deliverer.channel_pace = 0.0
    staffed(bot)
    view = open_form(bot)
    bot.fake.fail("*", status=500, times=1000)
    values = {
        "Workflow": SUPPORT,
        "Decision point": "Rollout gate",
        "Severity": "sev-2",
        "What happened?": "rollout gate skipped",
    }
    assert bot.sim.submit(view, user=EVE, values=values).status == 200
    with bot.session() as db:
        (esc,) = db.exec(select(Escalation)).all()
    bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    # The confirmation falls back to a DM, which is queued and tried (and fails) too.
    bot.fake.wait_for(lambda c: c.method == "chat.postMessage" and c.params["channel"] == EVE)
    bot.deliverer.deliver_due()
    assert not [m for m in bot.fake.messages() if "Escalation #" in m["text"]]
    with bot.session() as db:
        pending = db.exec(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
    assert {
        f"escalation:{esc.id}:dm:{MARIA}",
        f"escalation:{esc.id}:notice",
        f"escalation:{esc.id}:confirm",
    } <= {m.idempotency_key for m in pending}
    bot.fake.reset()  # Slack recovers (and forgets what it saw)
    populate(bot.fake)
    for _ in range(5):  # time passes; backoff and per-channel pacing let everything through
        frozen_clock.advance(minutes=5)
        bot.deliverer.deliver_due()
    assert buttons(owner_dm(bot, MARIA, esc.id)["blocks"])
    assert any(f"Escalation #{esc.id}" in m["text"] for m in bot.fake.dms(EVE))
    assert any(f"#{esc.id} " in t for t in channel_texts(bot, GOV))
