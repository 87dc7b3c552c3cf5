"""GET /api/v1/{workflows,owners,decisions,escalations,actions}: a page of rows, filtered."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from bot.api.http import ApiResponse, Call, parse
from bot.api.models import ListQuery
from bot.api.rows import LISTED
from cadence.integration import listing

Handler = Callable[[Call], ApiResponse]


def list_rows(name: str) -> Handler:
    """The handler listing `name` (a key of LISTED)."""
    row_model, page_model = LISTED[name]
    columns = tuple(row_model.model_fields)

    def handle(call: Call) -> ApiResponse:
        query: ListQuery = parse(ListQuery, dict(call.request.query), location="query")
        page = listing.list_page(
            call.db,
            listing=name,
            team_id=call.token.team_id,
            filters=listing.Filters(query.since, query.until, query.workflow),
            columns=columns,
            after=query.after,
            limit=query.limit,
            default_zone=call.default_zone,
        )
        next_url = None
        if page.next_after is not None:
            kept = query.model_dump(exclude_none=True, exclude={"after"})
            kept["after"] = page.next_after
            next_url = f"{call.request.base_url()}{call.request.path}?{urlencode(kept)}"
        body = page_model(items=[row_model.model_validate(r) for r in page.rows], next=next_url)
        links = [("Link", f'<{next_url}>; rel="next"')] if next_url else []
        return ApiResponse(200, body.model_dump(mode="json"), links)

    handle.__doc__ = f"A page of {name}, oldest first."
    return handle
