"""The integration API's routes: one table, read by the dispatcher and by the OpenAPI
document alike, so what is served and what is described cannot drift apart."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from bot.api import reads, writes
from bot.api.http import ApiResponse, Call
from bot.api.models import ListQuery, NewEscalation, ScorecardReport, ScorecardResult
from bot.api.rows import LISTED, EscalationRow

PREFIX = "/api/v1"
PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    """One operation: its method and path template, its handler and its models."""

    method: str
    template: str  # under PREFIX, e.g. "/workflows/{workflow}/scorecard"
    operation: str
    summary: str
    handler: Callable[[Call], ApiResponse]
    response: type[BaseModel]
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    write: bool = False
    idempotent: bool = False  # takes an Idempotency-Key header
    problems: tuple[int, ...] = (400, 401, 404, 413, 415, 422, 429, 503)
    path_params: dict[str, str] = field(default_factory=dict)  # name: description

    @property
    def pattern(self) -> re.Pattern[str]:
        """The path template as a regular expression."""
        parts = PARAM.split(PREFIX + self.template)  # literal, name, literal, name…
        return re.compile(
            "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
        )

    def match(self, path: str) -> dict[str, Any] | None:
        """The path parameters when `path` is this route's, else None."""
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


def _lists() -> list[Route]:
    return [
        Route(
            "GET",
            f"/{name}",
            f"list_{name}",
            f"List {name}, oldest first, a page at a time",
            reads.list_rows(name),
            page_model,
            query=ListQuery,
            problems=(401, 404, 422, 429, 503),
        )
        for name, (_, page_model) in LISTED.items()
    ]


ROUTES: list[Route] = [
    Route(
        "POST",
        "/workflows/{workflow}/scorecard",
        "report_scorecard",
        "Report this week's scorecard measures of a workflow",
        writes.post_scorecard,
        ScorecardResult,
        body=ScorecardReport,
        write=True,
        path_params={"workflow": "The workflow's id, or its name (URL-encoded, any case)."},
    ),
    Route(
        "POST",
        "/escalations",
        "raise_escalation",
        "Raise an escalation, routed as /escalate routes it",
        writes.post_escalation,
        EscalationRow,
        status=201,
        body=NewEscalation,
        write=True,
        idempotent=True,
    ),
    *_lists(),
]


def find_route(method: str, path: str) -> tuple[Route | None, dict[str, Any], list[str]]:
    """The route for `method` and `path` with its parameters, and the methods the path
    allows (for a 405)."""
    allowed: list[str] = []
    for route in ROUTES:
        params = route.match(path)
        if params is None:
            continue
        if route.method == method:
            return route, params, []
        allowed.append(route.method)
    return None, {}, allowed
