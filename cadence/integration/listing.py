"""What the integration API lists: the export kinds (decisions, escalations, actions) and two
of its own (workflows, owners), with the export's filters, a page at a time by key.

The API reads as a system outside the council: a confidential escalation's words are
withheld, as in an export by someone outside its need to know.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from cadence.errors import InvalidInput, UnknownWorkflow
from cadence.evidence import exports
from cadence.evidence.kinds import KINDS, Kind
from storage.models import OwnerAssignment, Workflow

W, OA = Workflow.__table__.c, OwnerAssignment.__table__.c  # type: ignore[attr-defined]
# Never a Slack user id nor an actor id, so no confidential escalation is ever "theirs".
API_READER = "integration-api"


def _workflows(columns: list[Any]) -> Select[Any]:
    return select(*columns).select_from(Workflow)


def _owners(columns: list[Any]) -> Select[Any]:
    return select(*columns).select_from(OwnerAssignment).join(Workflow, W.id == OA.workflow_id)


LISTINGS: dict[str, Kind] = {
    "workflows": Kind(
        "workflows",
        "workflows, archived ones included",
        W.id,
        "created_at",
        W.team_id,
        W.id,
        {
            "workflow_id": W.id,
            "created_at": W.created_at,
            "name": W.name,
            "channel_id": W.channel_id,
            "business_outcome": W.business_outcome,
            "risk_tier": W.risk_tier,
            "status": W.status,
            "re_review_on": W.re_review_on,
            "created_by": W.created_by,
            "archived_at": W.archived_at,
        },
        _workflows,
    ),
    "owners": Kind(
        "owners",
        "owner assignments, current and ended",
        OA.id,
        "assigned_at",
        W.team_id,
        OA.workflow_id,
        {
            "assignment_id": OA.id,
            "assigned_at": OA.created_at,
            "workflow": W.name,
            "workflow_id": OA.workflow_id,
            "role": OA.role,
            "stage": OA.stage,
            "user_id": OA.user_id,
            "assigned_by": OA.assigned_by,
            "ended_at": OA.ended_at,
        },
        _owners,
    ),
    **{name: KINDS[name] for name in ("decisions", "escalations", "actions")},
}


@dataclass(frozen=True)
class Filters:
    """The export's filters, as typed: days or ISO 8601 times, and a workflow name."""

    since: str | None = None
    until: str | None = None
    workflow: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of rows, and the key to continue after (None on the last page)."""

    rows: list[dict[str, Any]]
    next_after: int | None


def list_page(
    db: Session,
    *,
    listing: str,
    team_id: str,
    filters: Filters,
    columns: tuple[str, ...],
    after: int | None,
    limit: int,
    default_zone: str,
) -> Page:
    """Up to `limit` rows of the workspace, oldest first, after the key `after`."""
    kind = LISTINGS[listing]
    zone = exports.export_timezone(db, team_id=team_id, default_zone=default_zone)
    request = exports.ExportRequest(
        kind=listing,
        team_id=team_id,
        since=_bound(filters.since, zone, end=False, field="since"),
        until=_bound(filters.until, zone, end=True, field="until"),
        workflow_ids=_workflow_ids(db, filters.workflow, team_id),
        columns=columns,
        default_zone=default_zone,
        page=limit + 1,
        reader=API_READER,
        after=after,
    )
    rows = list(itertools.islice(exports.stream_kind_rows(db, kind, request), limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    next_after = int(rows[-1][key_column(listing)]) if more and rows else None
    return Page(rows, next_after)


def key_column(listing: str) -> str:
    """The column holding a row's key (what pages are cut by): 'decision_id'…"""
    kind = LISTINGS[listing]
    return next(name for name, column in kind.columns.items() if column is kind.key)


def _bound(text: str | None, zone: str, *, end: bool, field: str) -> datetime | None:
    if text is None:
        return None
    try:
        return exports.parse_bound(text, zone, end=end)
    except InvalidInput as error:
        raise InvalidInput(error.user_message, field=field) from None


def _workflow_ids(db: Session, name: str | None, team_id: str) -> tuple[int, ...] | None:
    if name is None:
        return None
    try:
        return exports.workflow_ids_named(db, name=name, team_id=team_id)
    except InvalidInput:
        raise UnknownWorkflow(name) from None


def one_row(
    db: Session, *, listing: str, team_id: str, key: int, columns: tuple[str, ...], zone: str
) -> dict[str, Any]:
    """The row of `listing` whose key is `key`, as the list shows it (need to know applied)."""
    page = list_page(
        db,
        listing=listing,
        team_id=team_id,
        filters=Filters(),
        columns=columns,
        after=key - 1,
        limit=1,
        default_zone=zone,
    )
    if not page.rows or int(page.rows[0][key_column(listing)]) != key:
        raise LookupError(f"{listing} {key} is not in workspace {team_id}")
    return page.rows[0]
