"""KPI tree values through POST /api/v1/workflows/{workflow}/scorecard: by node name, checked
as the scorecard form checks them, stored by the same domain function, shown in the thread."""

from __future__ import annotations

from urllib.parse import quote

from sqlmodel import select

from storage.models import AuditEvent, KpiValue
from tests.api.helpers import call, new_token
from tests.cadence.kpi_data import GOAL, LATENCY, RAG
from tests.cast import ADMIN, DANA
from tests.e2e.helpers import audit_actions, run
from tests.e2e.test_governance import MONDAY_9, SUPPORT, open_threads, parents, settle, staffed
from tests.e2e.test_kpi_tree import save_tree, show_all


def post(bot, token: str, body: dict):
    url = f"{bot.api_url}/workflows/{quote(SUPPORT)}/scorecard"
    return call(url, method="POST", token=token, body=body)


def stored(bot) -> dict[int, tuple[float, str]]:
    with bot.session() as db:
        return {v.node_id: (v.value, v.recorded_by) for v in db.exec(select(KpiValue)).all()}


def test_kpi_values_reported_by_name_follow_into_the_thread(bot, frozen_clock):
    staffed(bot, frozen_clock)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    token = new_token(bot, "pipeline")
    save_tree(bot)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)

    done = post(bot, token, {"quality": 95, "kpi": {"rag retrieval ACCURACY": 93, LATENCY: 1.6}})
    assert done.status == 200, done.body
    assert done.body["week_of"] == "2026-11-23" and done.body["changed"] == ["quality"]
    assert done.body["kpi_changed"] == [RAG, LATENCY]
    assert done.body["kpi_values"] == {RAG: 93.0, LATENCY: 1.6}
    assert {who for _, who in stored(bot).values()} == {"api:pipeline"}
    with bot.session() as db:
        reported = db.exec(select(AuditEvent).where(AuditEvent.action == "kpi.reported")).all()
    assert [e.actor for e in reported] == ["api:pipeline"]

    # Any level may be reported this way (the form offers the leaves); null clears a value.
    only_kpi = post(bot, token, {"kpi": {GOAL: 104.5, LATENCY: None}})
    assert only_kpi.status == 200 and only_kpi.body["changed"] == []
    assert only_kpi.body["kpi_values"] == {GOAL: 104.5, RAG: 93.0}
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    whole = show_all(bot, parent, user=DANA)
    assert f"✓ *{RAG}*: 93% · target ≥ 92%" in whole
    assert f"✗ *{GOAL}*: 104.5% · target ≥ 110%" in whole
    assert f"· *{LATENCY}*: _no value yet_" in whole

    # A report without `kpi` answers as before, without the KPI fields.
    plain = post(bot, token, {"throughput": 1240})
    assert plain.status == 200 and "kpi_values" not in plain.body


def test_unknown_nodes_and_bad_values_are_refused_naming_each_and_nothing_changes(
    bot, frozen_clock
):
    staffed(bot, frozen_clock)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    token = new_token(bot, "pipeline")
    save_tree(bot)
    refused = post(bot, token, {"quality": 95, "kpi": {"Happiness": 1, RAG: 1e13}})
    assert refused.status == 422
    assert {e["field"]: e["detail"] for e in refused.body["errors"]} == {
        "kpi.Happiness": f"The KPI tree of {SUPPORT} has no node called “Happiness”.",
        f"kpi.{RAG}": f"{RAG} must be a number.",
    }
    assert post(bot, token, {"kpi": {RAG: "high"}}).status == 422  # not a number at all
    assert stored(bot) == {} and "kpi.reported" not in audit_actions(bot)
    assert "scorecard.reported" not in audit_actions(bot)  # nothing of a refused report kept
