"""An escalation's life through its buttons: acknowledge, resolve, hand off, refuse, report."""

from __future__ import annotations

from datetime import timedelta

from cadence.escalations import lifecycle
from slackfake.forms import all_text, buttons
from storage.models import Escalation
from tests.cast import ADMIN, DANA, EVE, GOV, HELPER_BOT, LI, MARIA, SAM
from tests.e2e.helpers import audit_actions, outbox_keys, run, said
from tests.e2e.test_escalate import escalate, events, owner_dm, staffed


def answer(bot, reply) -> str:
    """The ephemeral answer to a click."""
    assert reply.status == 200 and reply.elapsed < 3
    return said(bot.fake.wait_for_responses(key=reply.response_url)[-1])


def stored(bot, number: int) -> Escalation:
    with bot.session() as db:
        return db.get(Escalation, number)


def notice(bot, number: int) -> dict:
    """The escalation's notice in the governance channel (not a thread reply)."""
    bot.fake.wait_for(
        lambda: any(
            f"Escalation #{number} " in m["text"] and not m["thread_ts"]
            for m in bot.fake.messages(GOV)
        )
    )
    return next(
        m
        for m in bot.fake.messages(GOV)
        if f"Escalation #{number} " in m["text"] and not m["thread_ts"]
    )


def labels(bot, message: dict) -> list[str]:
    return [
        b["text"] for b in buttons(bot.fake.message(message["channel"], message["ts"])["blocks"])
    ]


def wait_labels(bot, message: dict, expected: list[str]) -> None:
    bot.fake.wait_for(lambda: labels(bot, message) == expected)


def opened_view(bot, before: int) -> dict:
    call = bot.fake.wait_for("views.open", count=before + 1)[-1]
    assert call.ok, call.response
    return bot.fake.view(call.response["view"]["id"])


def resolve(bot, message: dict, *, user: str, note: str):
    before = len(bot.fake.calls_to("views.open"))
    bot.sim.click(message, user=user, text="Resolve")
    return bot.sim.submit(opened_view(bot, before), user=user, values={"escalation-note": note})


def hand_off(bot, message: dict, *, user: str, to: str, reason: str):
    before = len(bot.fake.calls_to("views.open"))
    bot.sim.click(message, user=user, text="Hand off")
    view = opened_view(bot, before)
    return bot.sim.submit(view, user=user, values={"Hand it to": to, "Why?": reason})


def test_acknowledge_then_resolve_with_a_note(bot):
    staffed(bot)
    esc = escalate(bot)
    dm = owner_dm(bot, MARIA, esc.id)
    assert "You acknowledged" in answer(bot, bot.sim.click(dm, user=MARIA, text="Acknowledge"))
    after = stored(bot, esc.id)
    assert (after.status, after.acknowledged_by) == ("acknowledged", MARIA)
    assert after.acknowledged_at is not None and after.ack_latency_seconds is not None
    wait_labels(bot, dm, ["Resolve", "Hand off"])
    # A double click on the old message changes nothing and sends nothing.
    keys = outbox_keys(bot)
    again = answer(bot, bot.sim.click(dm, user=MARIA, text="Acknowledge", latest=False))
    assert "already acknowledged" in again
    assert outbox_keys(bot) == keys
    assert [k for k, _, _ in events(bot, esc.id)] == ["raised", "routed", "acknowledged"]

    blank = resolve(bot, dm, user=MARIA, note="   ")
    assert "how it was resolved" in blank.json["errors"]["escalation-note"]
    done = resolve(bot, dm, user=MARIA, note="Credits honoured; policy clarified in the prompt.")
    assert done.json["response_action"] == "update"
    assert "is resolved" in all_text(done.json["view"])
    after = stored(bot, esc.id)
    assert (after.status, after.resolved_by) == ("resolved", MARIA)
    assert after.resolution == "Credits honoured; policy clarified in the prompt."
    assert after.resolve_latency_seconds is not None
    wait_labels(bot, dm, [])  # the buttons are retired
    wait_labels(bot, notice(bot, esc.id), [])
    bot.fake.wait_for(lambda: any("was resolved by" in m["text"] for m in bot.fake.dms(EVE)))
    assert "Credits honoured" in next(
        m["text"] for m in bot.fake.dms(EVE) if "was resolved" in m["text"]
    )
    views = len(bot.fake.calls_to("views.open"))
    stale = answer(bot, bot.sim.click(dm, user=MARIA, text="Resolve", latest=False))
    assert "already resolved" in stale
    assert len(bot.fake.calls_to("views.open")) == views
    assert audit_actions(bot)[-2:] == ["escalation.acknowledged", "escalation.resolved"]
    assert sum(a == "escalation.resolved" for a in audit_actions(bot)) == 1


def test_hand_off_moves_authority_to_the_new_owner(bot):
    staffed(bot)
    esc = escalate(bot)
    maria_dm = owner_dm(bot, MARIA, esc.id)
    bot.sim.click(maria_dm, user=MARIA, text="Acknowledge")
    wait_labels(bot, maria_dm, ["Resolve", "Hand off"])
    as_bot = hand_off(bot, maria_dm, user=MARIA, to=HELPER_BOT, reason="automation")
    assert "is a bot" in as_bot.json["errors"]["escalation-person"]
    done = hand_off(bot, maria_dm, user=MARIA, to=SAM, reason="Sam runs refunds this week")
    assert done.json["response_action"] == "update"
    after = stored(bot, esc.id)
    assert (after.routed_to, after.status) == (SAM, "open")
    assert after.routed_via == f"handed off by <@{MARIA}>: Sam runs refunds this week"
    assert events(bot, esc.id)[-1] == ("handed_off", MARIA, True)
    sam_dm = owner_dm(bot, SAM, esc.id)
    assert labels(bot, sam_dm) == ["Acknowledge", "Resolve", "Hand off"]
    assert "Sam runs refunds this week" in all_text(sam_dm)  # the new owner sees why
    wait_labels(bot, maria_dm, [])
    assert "no longer with you" in all_text(bot.fake.message(maria_dm["channel"], maria_dm["ts"]))
    bot.fake.wait_for(
        lambda: any(
            "Sam runs refunds this week" in m["text"]
            for m in bot.fake.messages(GOV)
            if m["thread_ts"]
        )
    )
    # Maria's old buttons no longer carry authority; Sam's do.
    refused = answer(bot, bot.sim.click(maria_dm, user=MARIA, text="Resolve", latest=False))
    assert "can't resolve" in refused and f"<@{SAM}>" in refused
    assert "You acknowledged" in answer(bot, bot.sim.click(sam_dm, user=SAM, text="Acknowledge"))
    assert stored(bot, esc.id).acknowledged_by == SAM


def test_someone_else_is_refused_nothing_changes_and_the_gap_is_recorded(bot):
    staffed(bot, council=[DANA])
    esc = escalate(bot)
    board = notice(bot, esc.id)
    assert labels(bot, board) == ["Acknowledge", "Resolve", "Hand off"]
    keys = outbox_keys(bot)
    refused = answer(bot, bot.sim.click(board, user=EVE, text="Acknowledge"))
    assert "can't acknowledge" in refused
    assert f"<@{MARIA}>" in refused and f"<@{DANA}>" in refused  # who can act
    answer(bot, bot.sim.click(board, user=EVE, text="Acknowledge"))  # a double click: one attempt
    views = len(bot.fake.calls_to("views.open"))
    assert "can't resolve" in answer(bot, bot.sim.click(board, user=EVE, text="Resolve"))
    assert len(bot.fake.calls_to("views.open")) == views  # no form for someone without authority
    after = stored(bot, esc.id)
    assert (after.status, after.routed_to, after.acknowledged_at) == ("open", MARIA, None)
    assert events(bot, esc.id)[2:] == [
        ("unauthorized_attempt", EVE, False),
        ("unauthorized_attempt", EVE, False),
    ]
    assert outbox_keys(bot) == keys  # nobody was messaged about it
    assert audit_actions(bot).count("escalation.unauthorized_attempt") == 2
    gaps = said(run(bot, "/cadence", "gaps", user=ADMIN))
    assert f"escalation *#{esc.id}*" in gaps and "Support resolution" in gaps
    assert f"<@{EVE}> tried to resolve without authority (owner: <@{MARIA}>)" in gaps
    assert f"<@{EVE}> tried to acknowledge without authority" in gaps


def test_a_council_member_may_act_on_any_escalation(bot):
    staffed(bot, council=[DANA])
    esc = escalate(bot)
    board = notice(bot, esc.id)
    assert "You acknowledged" in answer(bot, bot.sim.click(board, user=DANA, text="Acknowledge"))
    done = resolve(bot, board, user=DANA, note="Council decided: credits honoured.")
    assert done.json["response_action"] == "update"
    after = stored(bot, esc.id)
    assert (after.acknowledged_by, after.resolved_by, after.routed_to) == (DANA, DANA, MARIA)
    assert all(authorized for _, _, authorized in events(bot, esc.id))


def test_a_reroute_without_explicit_transfer_is_a_gap(bot):
    staffed(bot)
    esc = escalate(bot)
    owner_dm(bot, MARIA, esc.id)
    with bot.session() as db:
        escalation = db.get(Escalation, esc.id)
        lifecycle.reroute(
            db, escalation=escalation, to=LI, reason="no answer within 4 hours", actor="cadence"
        )
        db.commit()
    bot.deliverer.deliver_due()
    after = stored(bot, esc.id)
    assert (after.routed_to, after.tier, after.status) == (LI, 1, "open")
    assert events(bot, esc.id)[-1] == ("rerouted", "cadence", False)
    assert labels(bot, owner_dm(bot, LI, esc.id)) == ["Acknowledge", "Resolve", "Hand off"]
    bot.fake.wait_for(
        lambda: any(
            "without an explicit hand-off" in m["text"]
            for m in bot.fake.messages(GOV)
            if m["thread_ts"]
        )
    )
    gaps = said(run(bot, "/cadence", "gaps", user=EVE))
    assert f"re-routed it from <@{MARIA}> to <@{LI}> without an explicit hand-off" in gaps


def test_list_and_show(bot):
    staffed(bot)
    mine = escalate(bot, summary="refund bot promised credits")
    other = escalate(bot, user=SAM, summary="answers in the wrong language")
    listing = said(run(bot, "/escalate", "list", user=EVE))
    assert f"*#{mine.id}*" in listing and "refund bot promised credits" in listing
    assert f"#{other.id}*" not in listing
    owned = said(run(bot, "/escalate", "list", user=MARIA))
    assert f"*#{mine.id}*" in owned and f"*#{other.id}*" in owned
    assert owned.index(f"*#{other.id}*") < owned.index(f"*#{mine.id}*")  # newest first
    assert "no escalations" in said(run(bot, "/escalate", "list", user=DANA))
    bot.sim.click(owner_dm(bot, MARIA, mine.id), user=MARIA, text="Acknowledge")
    bot.fake.wait_for(lambda: stored(bot, mine.id).status == "acknowledged")
    for text in (f"show {mine.id}", f"show #{mine.id}", f"#{mine.id}"):
        shown = said(run(bot, "/escalate", text, user=DANA))
        assert f"Escalation #{mine.id} on *Support resolution*" in shown
        assert f"<@{MARIA}> owns it (approver: Outcome owner)" in shown
        assert "Acknowledged" in shown and "Timeline" in shown
        assert f"<@{EVE}> raised it" in shown and f"<@{MARIA}> acknowledged it" in shown
    assert "no escalation #999" in said(run(bot, "/escalate", "show 999", user=DANA))


def test_list_is_capped_and_says_how_many_more(bot):
    staffed(bot)
    from cadence.accountability import workflows
    from cadence.escalations import raising
    from cadence.escalations.raising import Report, Severity
    from cadence.vocabulary import DecisionPoint

    with bot.session() as db:
        workflow = workflows.find_workflow(db, team_id="T0001", name="Support resolution")
        for n in range(18):
            report = Report(workflow, DecisionPoint.BUDGET, None, Severity.SEV4, f"matter {n}")
            raising.raise_escalation(
                db, report=report, raised_by=EVE, source_channel_id=None, idempotency_key=f"k{n}"
            )
        db.commit()
    listing = said(run(bot, "/escalate", "list", user=EVE))
    assert "(18)" in listing and "…and 3 more" in listing
    assert "matter 17" in listing and "matter 2 " not in listing


def test_decision_latency_is_stored(bot, frozen_clock):
    bot.deliverer.channel_pace = 0.0  # pacing waits on the real clock; this test freezes time
    staffed(bot)
    esc = escalate(bot)
    dm = owner_dm(bot, MARIA, esc.id)
    frozen_clock.advance(minutes=5)
    bot.sim.click(dm, user=MARIA, text="Acknowledge")
    bot.fake.wait_for(lambda: stored(bot, esc.id).status == "acknowledged")
    frozen_clock.advance(hours=1)
    resolve(bot, dm, user=MARIA, note="Fixed the prompt.")
    after = stored(bot, esc.id)
    assert (after.ack_latency_seconds, after.resolve_latency_seconds) == (300, 3900)
    assert after.acknowledged_at - after.created_at == timedelta(minutes=5)
    assert after.resolved_at - after.created_at == timedelta(minutes=65)
    shown = said(run(bot, "/escalate", f"show {esc.id}", user=MARIA))
    assert "acknowledged after 5 min, resolved after 1 h 5 min" in shown
