"""GET lists: paginated by cursor with a next link, filtered as exports are (since, until,
workflow), scoped to the token's workspace (another's data is 404), bad queries named."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from sqlmodel import select

from cadence.governance.decisions import FollowUp, record_decision
from cadence.vocabulary import GovernanceChoice
from slackfake.sim import SlackSim
from storage.db import session_scope
from storage.models import GovernanceSession
from tests.api.helpers import call, new_token, run_in, staffed_with_token
from tests.cast import ADMIN, DANA, EVE, GOV, LI, MARIA
from tests.conftest import SIGNING_SECRET
from tests.e2e.helpers import run
from tests.e2e.test_escalate import escalate
from tests.e2e.test_governance import MONDAY_9, SUPPORT, open_threads, staffed
from tests.e2e.test_need_to_know import CONFIDENTIAL

REPORT = {"workflow": SUPPORT, "summary": "error rate above 20%"}


def raise_one(bot, token: str, **extra) -> dict:
    answer = call(f"{bot.api_url}/escalations", method="POST", token=token,
                  body={**REPORT, **extra})  # fmt: skip
    assert answer.status == 201, answer.body
    return answer.body


def test_lists_come_a_page_at_a_time_following_the_next_link(bot):
    token = staffed_with_token(bot)
    raised = [raise_one(bot, token, summary=f"alert {n}")["escalation_id"] for n in range(5)]
    url, seen, pages = f"{bot.api_url}/escalations?limit=2", [], 0
    while url:
        page = call(url, token=token)
        assert page.status == 200 and len(page.body["items"]) <= 2
        seen += [e["escalation_id"] for e in page.body["items"]]
        url = page.body["next"]
        assert page.headers.get("link") == (f'<{url}>; rel="next"' if url else None)
        pages += 1
    assert seen == raised and pages == 3  # 2 + 2 + 1, oldest first, none twice
    everything = call(f"{bot.api_url}/escalations", token=token).body
    assert [e["summary"] for e in everything["items"]] == [f"alert {n}" for n in range(5)]
    assert everything["next"] is None


def test_the_export_filters_apply_since_until_and_workflow(bot, frozen_clock):
    staffed(bot, frozen_clock)  # Friday 20 Nov: Support resolution and Onboarding
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    token = new_token(bot, "pipeline")
    raise_one(bot, token, summary="on friday")
    frozen_clock.current = MONDAY_9
    raise_one(bot, token, summary="on monday")
    raise_one(bot, token, summary="onboarding", workflow="Onboarding")

    def summaries(query: str) -> list[str]:
        answer = call(f"{bot.api_url}/escalations?{query}", token=token)
        assert answer.status == 200, answer.body
        return [e["summary"] for e in answer.body["items"]]

    assert summaries("since=2026-11-23") == ["on monday", "onboarding"]
    assert summaries("until=2026-11-22") == ["on friday"]
    assert summaries(f"workflow={quote('support RESOLUTION')}") == ["on friday", "on monday"]
    assert summaries("since=2026-11-23&workflow=Onboarding&limit=1") == ["onboarding"]
    next_link = call(f"{bot.api_url}/escalations?since=2026-11-20&limit=1", token=token).body
    assert "since=2026-11-20" in next_link["next"] and "limit=1" in next_link["next"]

    workflows = call(f"{bot.api_url}/workflows", token=token).body["items"]
    assert [w["name"] for w in workflows] == [SUPPORT, "Onboarding"]
    assert workflows[0]["channel_id"] == GOV
    owners = call(f"{bot.api_url}/owners?workflow={quote(SUPPORT)}", token=token).body["items"]
    assert [(o["role"], o["user_id"], o["ended_at"]) for o in owners] == [
        ("outcome", MARIA, None),
        ("workflow", LI, None),
    ]


def test_decisions_and_actions_are_listed(bot, frozen_clock):
    staffed(bot, frozen_clock)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    token = new_token(bot, "pipeline")
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    with session_scope(bot.engine) as db:
        session = db.exec(
            select(GovernanceSession).where(GovernanceSession.channel_id == GOV)
        ).one()
        record_decision(db, session_id=session.id, team_id="T0001", actor_id=MARIA,
                        choice=GovernanceChoice.STABILIZE, rationale="exceptions are up",
                        follow_ups=[FollowUp("retrain the classifier", LI, date(2026, 11, 30))],
                        re_review_on=None, timezone="UTC", default_zone="UTC")  # fmt: skip
    [decision] = call(f"{bot.api_url}/decisions", token=token).body["items"]
    assert decision["choice"] == "stabilize" and decision["rationale"] == "exceptions are up"
    assert decision["workflow"] == SUPPORT and decision["decided_at"] == "2026-11-23T09:00:00Z"
    [action] = call(f"{bot.api_url}/actions", token=token).body["items"]
    assert action["description"] == "retrain the classifier" and action["owner"] == LI
    assert action["due_on"] == "2026-11-30" and action["decision_id"] == decision["decision_id"]
    assert call(f"{bot.api_url}/decisions?since=2026-11-24", token=token).body["items"] == []


def test_a_token_sees_and_writes_only_its_own_workspace(bot):
    token_a = staffed_with_token(bot, "pipeline")
    raise_one(bot, token_a)
    # Workspace B: its own council, token and a workflow with the same name.
    other = SlackSim(bot.url, SIGNING_SECRET, bot.fake, team_id="T0002")
    assert (
        "added to the AI council" in run_in(bot, other, f"council add <@{EVE}>", user=ADMIN)["text"]
    )
    token_b = new_token(bot, "pipeline", user=EVE, sim=other)
    assert call(f"{bot.api_url}/workflows", token=token_b).body["items"] == []
    assert call(f"{bot.api_url}/escalations", token=token_b).body["items"] == []
    assert call(f"{bot.api_url}/owners", token=token_b).body["items"] == []

    for url, body in (
        (f"{bot.api_url}/workflows/1/scorecard", {"throughput": 5}),
        (f"{bot.api_url}/workflows/{quote(SUPPORT)}/scorecard", {"throughput": 5}),
        (f"{bot.api_url}/escalations", {**REPORT, "workflow": 1}),
        (f"{bot.api_url}/escalations", REPORT),
    ):
        answer = call(url, method="POST", token=token_b, body=body)
        assert answer.status == 404, (url, body, answer.body)
        assert answer.body["errors"][0]["field"] == "workflow"
        assert answer.body["detail"].startswith("No workflow ")
    refused = call(f"{bot.api_url}/escalations?workflow={quote(SUPPORT)}", token=token_b)
    assert refused.status == 404 and refused.body["errors"][0]["location"] == "query"
    # B's own workflow of the same name is B's alone.
    run_in(bot, other, f"workflow add {SUPPORT} in <#{GOV}|gov>", user=ADMIN)
    raised_b = raise_one(bot, token_b)
    assert raised_b["escalation_id"] == 2
    assert [e["escalation_id"] for e in call(f"{bot.api_url}/escalations",
                                             token=token_a).body["items"]] == [1]  # fmt: skip
    assert [e["escalation_id"] for e in call(f"{bot.api_url}/escalations",
                                             token=token_b).body["items"]] == [2]  # fmt: skip


def test_a_bad_query_gets_a_problem_naming_the_parameter(bot):
    token = staffed_with_token(bot)
    for query, field in (
        ("limit=0", "limit"),
        ("limit=500", "limit"),
        ("limit=ten", "limit"),
        ("after=-1", "after"),
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("sort=name", "sort"),
    ):
        answer = call(f"{bot.api_url}/decisions?{query}", token=token)
        assert answer.status == 422, (query, answer.body)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.body["errors"][0]["field"] == field
        assert answer.body["errors"][0]["location"] == "query"
    missing = call(f"{bot.api_url}/votes", token=token)
    assert missing.status == 404 and missing.body["status"] == 404
    wrong = call(f"{bot.api_url}/decisions", method="DELETE", token=token)
    assert wrong.status == 405 and wrong.headers["allow"] == "GET"


def test_need_to_know_holds_for_escalations_raised_in_slack(bot):
    token = staffed_with_token(bot)
    escalate(bot, summary="the CFO's expenses", extra=CONFIDENTIAL)
    [listed] = call(f"{bot.api_url}/escalations", token=token).body["items"]
    assert listed["summary"] == "(confidential)" and listed["raised_by"] == EVE
