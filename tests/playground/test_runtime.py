"""`cadence-bot playground`'s runtime: the real bot on loopback against the local Slack, a seeded
workspace made through signed requests, kept between runs, and a clock that runs the jobs."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bot.config import load_settings
from playground.cast import BY_NAME, GOVERNANCE, PEOPLE, RANDOM, WORKFLOW
from playground.clock import Move
from playground.runtime import BOT_TOKEN, NotLocal, Options, Playground, ensure_local
from slackfake import FakeSlack
from slackfake.forms import all_text, buttons
from storage.models import (
    AuditEvent,
    CouncilMember,
    Decision,
    Escalation,
    GovernanceSession,
    ScorecardEntry,
    Workflow,
)

MARIA = BY_NAME["maria"]


def count(playground: Playground, table: type) -> int:
    with Session(playground.engine) as db:
        return db.exec(select(func.count()).select_from(table)).one()


def parents(playground: Playground) -> list[dict]:
    return [
        m
        for m in playground.fake.messages(GOVERNANCE)
        if m["thread_ts"] is None and m["text"].startswith("Weekly governance")
    ]


def test_the_seeded_workspace_has_something_on_every_screen(seeded: Playground) -> None:
    fake = seeded.fake
    assert {u["name"] for u in fake.users() if not u["is_bot"]} == {p.name for p in PEOPLE}
    assert len(PEOPLE) == 12 and {c["name"] for c in fake.channels()} >= {"random", "general"}
    assert count(seeded, CouncilMember) == 3 and count(seeded, Workflow) == 1
    with Session(seeded.engine) as db:
        (workflow,) = db.exec(select(Workflow)).all()
        assert (workflow.name, workflow.channel_id) == (WORKFLOW, GOVERNANCE)
        weeks = db.exec(select(ScorecardEntry.week_start).distinct()).all()
        (escalation,) = db.exec(select(Escalation)).all()
    assert len(weeks) == 4 and count(seeded, GovernanceSession) == 4
    assert count(seeded, Decision) == 3
    assert escalation.status == "open" and escalation.routed_to == MARIA.id
    (the_map,) = [m for m in fake.messages(GOVERNANCE) if m["text"].startswith("Escalation map")]
    assert "Outcome owner" in all_text(the_map) and f"<@{MARIA.id}>" in all_text(the_map)
    decided = [p for p in parents(seeded) if "decided" in p["text"]]
    assert len(decided) == 3 and len(parents(seeded)) == 4
    assert all(p.get("reply_count") for p in decided)  # the decision is posted in the thread
    this_week = all_text(parents(seeded)[-1])  # the KPI tree with its values, and the risk
    assert "✓ *RAG retrieval accuracy*: 93%" in this_week and "*KPI tree*" in the_map[
        "text"
    ] + all_text(the_map)
    assert "Quality trend fell (96% → 95.5%) → puts *Tier-1 queries resolved* at risk" in this_week
    dm = next(m for m in fake.dms(MARIA.id) if "Escalation #1" in m["text"])
    assert "Acknowledge" in [b["text"] for b in buttons(dm["blocks"])]
    assert seeded.clock() >= seeded.clock() - timedelta(seconds=1)  # the clock runs


def test_the_bot_talks_only_to_the_local_slack(seeded: Playground) -> None:
    assert seeded.settings.slack_api_url == seeded.fake.url
    assert seeded.fake.url.startswith("http://127.0.0.1:")
    assert seeded.bot_url.startswith("http://127.0.0.1:")
    assert not seeded.settings.socket_mode
    seeded.sim.command("/escalate", "", user=MARIA.id, channel=RANDOM, channel_name="random")
    seeded.fake.wait_for("views.open")
    assert all(c.headers.get("authorization") == f"Bearer {BOT_TOKEN}" for c in seeded.fake.calls)


def test_ensure_local_refuses_anything_but_the_local_slack() -> None:
    fake = FakeSlack().start()
    try:
        local = load_settings(
            env_file=None,
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret="s",
            slack_api_url=fake.url,
        )
        ensure_local(local, fake, fake.url)
        for url in ("https://slack.com/api/", "http://10.0.0.5:8000/api/"):
            with pytest.raises(NotLocal, match="not the local Slack"):
                ensure_local(local.model_copy(update={"slack_api_url": url}), fake)
        with pytest.raises(NotLocal, match="not the local Slack"):
            ensure_local(local, fake, "https://slack.com/api/")
        socket = local.model_copy(update={"slack_app_token": local.slack_bot_token})
        with pytest.raises(NotLocal, match="Socket Mode"):
            ensure_local(socket, fake)
    finally:
        fake.stop()


def test_a_restart_keeps_the_workspace_and_the_time(seeded: Playground) -> None:
    seeded.move_clock(Move.DAY)
    later, shown = seeded.clock(), len(seeded.fake.messages())
    seeded.stop()
    kept = json.loads(seeded.options.state_file.read_text())
    assert kept["clock_offset_seconds"] > 23 * 3600

    again = Playground(seeded.options)
    again.start()
    try:
        assert not again.fresh and again.clock() >= later
        assert len(again.fake.messages()) >= shown and count(again, Decision) == 3
    finally:
        again.stop()
    seeded.stop = lambda: None  # already stopped; the fixture's teardown has nothing left


def test_empty_starts_blank_and_reset_starts_over(empty: Playground) -> None:
    assert count(empty, Workflow) == 0 and empty.fake.messages() == []
    assert len([u for u in empty.fake.users() if not u["is_bot"]]) == 12
    empty.sim.command("/cadence", f"workflow add Triage in <#{RANDOM}|random>",
                      user=BY_NAME["ada"].id, channel=RANDOM, channel_name="random")  # fmt: skip
    empty.fake.wait_for(lambda: empty.fake.messages(RANDOM))
    empty.stop()
    again = Playground(Options(directory=empty.options.directory, empty=True, reset=True))
    again.start()
    try:
        assert again.fresh and count(again, Workflow) == 0 and again.fake.messages() == []
    finally:
        again.stop()
    empty.stop = lambda: None


def test_moving_the_clock_runs_the_weekly_thread_job(empty: Playground) -> None:
    ada = BY_NAME["ada"]
    empty.sim.command(
        "/cadence", f"workflow add {WORKFLOW} in <#{GOVERNANCE}|ai-support-gov>",
        user=ada.id, channel=GOVERNANCE, channel_name="ai-support-gov",
    )  # fmt: skip
    empty.fake.wait_for(lambda: empty.fake.messages(GOVERNANCE))
    assert parents(empty) == []
    moment = empty.move_clock(Move.MONDAY)
    assert moment.weekday() == 0 and (moment.hour, moment.minute) == (9, 0)
    empty.fake.wait_for(lambda: parents(empty), timeout=10)
    (parent,) = parents(empty)
    assert f"Weekly governance: {WORKFLOW}" in parent["text"]
    assert abs(float(parent["ts"]) - moment.timestamp()) < 60  # Slack's ts is Cadence's time


def test_moving_the_clock_runs_the_reset_job_too(seeded: Playground) -> None:
    """The clock control runs every scheduled job, so the outcome owner's Monday DM of a 30-day
    reset is there when the move returns (not a minute later, when the scheduler ticks)."""
    seeded.sim.command("/cadence", f"reset {WORKFLOW}", user=MARIA.id, channel=GOVERNANCE,
                       channel_name="ai-support-gov")  # fmt: skip
    seeded.fake.wait_for(
        lambda: any(
            "30-day accountability reset" in m["text"] for m in seeded.fake.messages(GOVERNANCE)
        )
    )
    seeded.move_clock(Move.MONDAY)
    with Session(seeded.engine) as db:  # done by the move itself, before it returned
        sent = db.exec(select(AuditEvent).where(AuditEvent.action == "reset.weekly_dm")).all()
    assert [e.detail.get("user_id") for e in sent] == [MARIA.id]
    seeded.fake.wait_for(
        lambda: any("of the 30-day reset of" in m["text"] for m in seeded.fake.dms(MARIA.id)),
        timeout=10,
    )
