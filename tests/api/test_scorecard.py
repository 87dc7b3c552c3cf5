"""POST /api/v1/workflows/{name or id}/scorecard: the form's checks, the form's week, and the
risk-review triggers of issue 12, for a data pipeline."""

from __future__ import annotations

from urllib.parse import quote

from sqlmodel import select

from cadence.governance import scorecard
from cadence.vocabulary import ScorecardMetric
from storage.models import AuditEvent, ScorecardEntry
from tests.api.helpers import call, new_token
from tests.cast import DANA, LI, MARIA
from tests.e2e.helpers import audit_actions, run
from tests.e2e.test_governance import MONDAY_9, SUPPORT, open_threads, settle
from tests.e2e.test_risk_reviews import (
    TRIGGERS,
    high_risk_workflow,
    open_modal,
    risk_reviews,
    told,
)


def entries(bot) -> dict[str, tuple[float, str]]:
    with bot.session() as db:
        rows = db.exec(select(ScorecardEntry)).all()
    return {r.metric: (r.value, r.recorded_by) for r in rows}


def post(bot, token: str, body: dict, workflow: str | int = SUPPORT):
    url = f"{bot.api_url}/workflows/{quote(str(workflow))}/scorecard"
    return call(url, method="POST", token=token, body=body)


def test_a_value_past_its_trigger_opens_one_risk_review_per_breach(bot, frozen_clock):
    high_risk_workflow(bot, frozen_clock)
    token = new_token(bot, "pipeline")
    bot.sim.submit(open_modal(bot, f"triggers {SUPPORT}", MARIA), user=MARIA, values=TRIGGERS)
    frozen_clock.current = MONDAY_9
    open_threads(bot)

    done = post(bot, token, {"throughput": 1240, "exception_rate": 7.2})
    assert done.status == 200, done.body
    assert done.body == {
        "workflow_id": 1,
        "workflow": SUPPORT,
        "week_of": "2026-11-23",  # the open thread's week, as the form reports
        "changed": ["throughput", "exception_rate"],
        "values": {"throughput": 1240.0, "exception_rate": 7.2},
        "risk_reviews_started": ["exception rate 7.2% > 5%"],
    }
    assert entries(bot) == {
        "throughput": (1240.0, "api:pipeline"),
        "exception_rate": (7.2, "api:pipeline"),
    }
    settle(bot, frozen_clock)
    [review] = risk_reviews(bot)
    assert review["text"].startswith("Risk review: exception rate 7.2% &gt; 5% — Support")
    assert len(told(bot, LI)) == len(told(bot, MARIA)) == len(told(bot, DANA)) == 1

    # Reported again while past it (by name or id, any case): no second review, nobody told.
    again = post(bot, token, {"exception_rate": 7.5}, workflow=1)
    assert again.status == 200 and again.body["risk_reviews_started"] == []
    assert (
        post(bot, token, {"exception_rate": 7.5}, workflow="support RESOLUTION").body["changed"]
        == []
    )
    settle(bot, frozen_clock)
    assert len(risk_reviews(bot)) == 1 and len(told(bot, MARIA)) == 1
    # Back within it, then past it again: a new breach, a new review.
    assert post(bot, token, {"exception_rate": 4.1}).status == 200
    assert post(bot, token, {"exception_rate": 6}).body["risk_reviews_started"] == [
        "exception rate 6% > 5%"
    ]
    settle(bot, frozen_clock)
    assert len(risk_reviews(bot)) == 2 and len(told(bot, MARIA)) == 2
    # null clears a measure, as an emptied field of the form does.
    cleared = post(bot, token, {"throughput": None})
    assert cleared.body["changed"] == ["throughput"] and "throughput" not in cleared.body["values"]
    actions = audit_actions(bot)
    assert actions.count("risk.breach_started") == 2
    with bot.session() as db:
        reported = db.exec(
            select(AuditEvent).where(AuditEvent.action == "scorecard.reported")
        ).all()
    assert {e.actor for e in reported} == {"api:pipeline"}


def test_the_forms_checks_refuse_bad_values_naming_each_field(bot, frozen_clock):
    high_risk_workflow(bot, frozen_clock)
    token = new_token(bot, "pipeline")
    bad = {"throughput": 12.5, "quality": 120, "exception_rate": -1, "rework_volume": 3}
    refused = post(bot, token, bad)
    assert refused.status == 422
    expected = {}
    for name in ("throughput", "quality", "exception_rate"):
        try:
            scorecard.parse_value(ScorecardMetric(name), str(bad[name]))
        except Exception as error:  # the form's own words for each value
            expected[name] = error.user_message  # type: ignore[attr-defined]
    assert {e["field"]: e["detail"] for e in refused.body["errors"]} == expected
    assert {e["location"] for e in refused.body["errors"]} == {"body"}
    for body, field in (
        ({"decision_latency": 3}, "decision_latency"),  # computed, never reported
        ({"quality": "high"}, "quality"),
        ({}, "body"),
    ):
        answer = post(bot, token, body)
        assert answer.status == 422 and answer.body["errors"][0]["field"] == field, answer.body
    assert entries(bot) == {}  # nothing of a refused report is kept
    assert audit_actions(bot).count("api.called") == 4


def test_an_unknown_or_archived_workflow_is_404(bot, frozen_clock):
    high_risk_workflow(bot, frozen_clock)
    token = new_token(bot, "pipeline")
    run(bot, "/cadence", "workflow add Retired flow", user=DANA)
    run(bot, "/cadence", "workflow archive Retired flow", user=DANA)
    for workflow in ("Payroll", "Retired flow", 2, 999):
        answer = post(bot, token, {"throughput": 1}, workflow=workflow)
        assert answer.status == 404, (workflow, answer.body)
        assert answer.body["errors"] == [
            {"field": "workflow", "location": "path", "detail": answer.body["detail"]}
        ]
    assert entries(bot) == {}
