"""The integration API's writes: a scorecard report and an escalation, through the same
domain functions the scorecard form and `/escalate` use."""

from __future__ import annotations

import uuid
from typing import Any

from bot.api.http import ApiProblem, ApiResponse, Call, parse
from bot.api.models import FieldProblem, NewEscalation, ScorecardReport, ScorecardResult
from bot.api.rows import EscalationRow
from cadence.errors import CadenceError
from cadence.escalations import raising
from cadence.governance import risk_review, scorecard
from cadence.governance.settings import load_schedule
from cadence.integration import idempotency, listing, tokens
from cadence.integration.references import workflow_named
from cadence.kpi import store as kpi_store
from cadence.kpi import values as kpi_values
from cadence.vocabulary import ScorecardMetric
from storage.models import pk

REPLAYED = ("Idempotent-Replayed", "true")


def post_scorecard(call: Call) -> ApiResponse:
    """Report this week's measures: the form's checks, its week, its risk-review triggers."""
    db, team_id = call.db, call.token.team_id
    workflow = workflow_named(db, team_id=team_id, ref=call.request.params["workflow"])
    report: ScorecardReport = parse(ScorecardReport, call.request.json_body(), location="body")
    if not report.model_fields_set:
        raise ApiProblem(
            422,
            "Report at least one measure: " + ", ".join(ScorecardReport.model_fields) + ".",
            errors=[FieldProblem(field="body", location="body", detail="no measure given")],
        )
    values: dict[ScorecardMetric, float | None] = {}
    errors: list[FieldProblem] = []
    for metric in scorecard.REPORTED:
        if metric.value not in report.model_fields_set:
            continue
        value = getattr(report, metric.value)
        try:
            # The form's own parser: what the form refuses, the API refuses, in its words.
            values[metric] = None if value is None else scorecard.parse_value(metric, str(value))
        except CadenceError as error:
            errors.append(
                FieldProblem(field=metric.value, location="body", detail=error.user_message)
            )
    # KPI tree values go through the same domain function as the scorecard form's leaf fields.
    by_node, refused = kpi_values.values_by_name(db, workflow=workflow, values=report.kpi or {})
    errors += [FieldProblem(field=f"kpi.{name}", location="body", detail=why)
               for name, why in refused.items()]  # fmt: skip
    if errors:
        raise ApiProblem(422, " ".join(e.detail for e in errors), errors=errors)
    schedule = load_schedule(db, team_id=team_id, default_zone=call.default_zone)
    week = scorecard.scorecard_week(db, workflow=workflow, schedule=schedule)
    actor = tokens.actor_of(call.token)
    changed, started = (
        risk_review.report_scorecard(db, workflow=workflow, week_start=week, values=values,
                                     actor_id=actor, default_zone=call.default_zone)
        if values or report.kpi is None
        else ([], [])
    )  # fmt: skip
    result = ScorecardResult(
        workflow_id=pk(workflow),
        workflow=workflow.name,
        week_of=week,
        changed=changed,
        values=scorecard.current_values(db, workflow_id=pk(workflow), week_start=week),
        risk_reviews_started=[s.phrase for s in started],
    )
    if report.kpi is not None:
        nodes = kpi_values.report_kpi_values(db, workflow=workflow, week_start=week,
                                             values=by_node, actor_id=actor,
                                             default_zone=call.default_zone)  # fmt: skip
        now_values = kpi_values.week_values(db, workflow=workflow, week_start=week)
        names = {pk(n): n.name for n in kpi_store.current_nodes(db, workflow_id=pk(workflow))}
        result.kpi_changed = [names[n] for n in nodes]
        result.kpi_values = now_values
    return ApiResponse(200, result.model_dump(mode="json", exclude_none=True))


def post_escalation(call: Call) -> ApiResponse:
    """Raise an escalation as `/escalate` does; an Idempotency-Key makes a retry safe."""
    db, team_id = call.db, call.token.team_id
    body = call.request.json_body()
    given = call.request.headers.get("idempotency-key")
    key = idempotency.clean_key(given) if given is not None else None
    fingerprint = idempotency.fingerprint(call.request.method, call.request.path, body)
    if key is not None:
        kept = idempotency.kept_answer(db, team_id=team_id, key=key, fingerprint=fingerprint)
        if kept is not None:
            return ApiResponse(kept.status_code, kept.response, [REPLAYED])
    new: NewEscalation = parse(NewEscalation, body, location="body")
    workflow = workflow_named(db, team_id=team_id, ref=new.workflow)
    point, matter = raising.classify(new.kind.value)
    report = raising.Report(
        workflow,
        point,
        matter,
        new.severity,
        new.summary,
        new.details,
        new.link,
        confidential=new.confidential,
    )
    raised = raising.raise_escalation(
        db,
        report=report,
        raised_by=tokens.actor_of(call.token),
        source_channel_id=None,
        idempotency_key=f"api:{team_id}:{key or uuid.uuid4().hex}",
    )
    response = escalation_row(call, pk(raised.escalation))
    if key is not None:
        idempotency.keep_answer(
            db,
            token=call.token,
            key=key,
            fingerprint=fingerprint,
            status_code=201,
            response=response,
        )
    return ApiResponse(201, response)


def escalation_row(call: Call, escalation_id: int) -> dict[str, Any]:
    """The escalation as GET /api/v1/escalations lists it (need to know applied)."""
    row = listing.one_row(
        call.db,
        listing="escalations",
        team_id=call.token.team_id,
        key=escalation_id,
        columns=tuple(EscalationRow.model_fields),
        zone=call.default_zone,
    )
    return EscalationRow.model_validate(row).model_dump(mode="json")
