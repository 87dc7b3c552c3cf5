"""What the integration API accepts and answers, as pydantic models: they validate requests
and, through their JSON Schemas, are the OpenAPI document (bot/api/openapi.py)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from cadence.escalations.raising import KIND_TAGS, Severity
from cadence.governance.scorecard import REPORTED
from cadence.vocabulary import ScorecardMetric

# The tags /escalate understands ("incident", "model-change", "sev1"…), one list for both.
EscalationKind = StrEnum("EscalationKind", {tag: tag for tag in KIND_TAGS})  # type: ignore[misc]


def _metric(metric: ScorecardMetric) -> float | None:
    spec = REPORTED[metric]
    limit = f" (0 to {spec.maximum:g})" if spec.maximum is not None else ""
    whole = ", a whole number" if spec.whole else ""
    return Field(
        default=None,
        description=f"{spec.label}, {spec.unit}{limit}{whole}. Left out: unchanged; null: cleared.",
    )


class ScorecardReport(BaseModel):
    """This week's measures of a workflow, as a data pipeline reports them. Decision latency
    is computed by Cadence, never reported."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"throughput": 1240, "exception_rate": 7.2},
                {
                    "quality": 95.5,
                    "kpi": {"RAG retrieval accuracy": 93, "p95 response latency": 1.6},
                },
            ]
        },
    )

    throughput: float | None = _metric(ScorecardMetric.THROUGHPUT)
    quality: float | None = _metric(ScorecardMetric.QUALITY)
    exception_rate: float | None = _metric(ScorecardMetric.EXCEPTION_RATE)
    rework_volume: float | None = _metric(ScorecardMetric.REWORK_VOLUME)
    kpi: dict[str, float | None] | None = Field(
        default=None,
        description="Values of the workflow's KPI tree nodes (any level), by node name (any "
        "case), for the same week. A node left out: unchanged; null: cleared.",
    )


class ScorecardResult(BaseModel):
    """What the report changed, and the risk reviews it started."""

    workflow_id: int
    workflow: str
    week_of: date = Field(description="The week the report went to (its thread's week).")
    changed: list[ScorecardMetric] = Field(description="Measures whose value changed.")
    values: dict[str, float] = Field(description="Every reported measure of that week now.")
    risk_reviews_started: list[str] = Field(
        description="Breaches this report started, each with a risk review opened in Slack: "
        "'exception rate 7.2% > 5%'."
    )
    kpi_changed: list[str] | None = Field(
        default=None,
        description="KPI tree nodes whose value changed (only when the report had `kpi`).",
    )
    kpi_values: dict[str, float] | None = Field(
        default=None,
        description="Every KPI tree node's value of that week now, by name (only when the "
        "report had `kpi`).",
    )


class NewEscalation(BaseModel):
    """An escalation raised by a system, routed exactly as `/escalate` routes one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "workflow": "Support resolution",
                    "kind": "incident",
                    "severity": "sev2",
                    "summary": "Refund bot error rate above 20% for 15 minutes",
                    "link": "https://grafana.example.com/d/refunds",
                }
            ]
        },
    )

    workflow: str | int = Field(description="The workflow's name (any case) or id.")
    kind: EscalationKind = Field(  # type: ignore[valid-type]
        default=EscalationKind("incident"),
        description="The decision point or council matter, as /escalate's #tags name them.",
    )
    severity: Severity = Severity.SEV3
    summary: str = Field(description="One line, up to 300 characters.")
    details: str | None = Field(default=None, description="Up to 3000 characters.")
    link: str | None = Field(default=None, description="An http(s) address.")
    confidential: bool = Field(
        default=False, description="Need to know (compliance exceptions always are)."
    )


class ListQuery(BaseModel):
    """The filters and paging of every list: the export's filters, a page at a time."""

    model_config = ConfigDict(extra="forbid")

    since: str | None = Field(
        default=None,
        description="From this day (YYYY-MM-DD, the workspace's time zone) or ISO 8601 time.",
    )
    until: str | None = Field(
        default=None, description="Up to this day, inclusive, or ISO 8601 time (exclusive)."
    )
    workflow: str | None = Field(
        default=None, description="Only this workflow's rows (its name, any case)."
    )
    limit: int = Field(default=50, ge=1, le=200, description="Rows per page.")
    after: int | None = Field(
        default=None, ge=0, description="The cursor: the `next` link carries it."
    )


class FieldProblem(BaseModel):
    """One thing wrong with the request, and where."""

    field: str = Field(description="The field, query parameter or header at fault.")
    location: str = Field(description="body, query, path or header.")
    detail: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] = Field(default_factory=list)


Row = TypeVar("Row", bound=BaseModel)


class Page(BaseModel, Generic[Row]):
    """One page of rows, oldest first; `next` is the next page's address (null at the end)."""

    items: list[Row]
    next: str | None = None
