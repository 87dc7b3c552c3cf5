"""Looking people up in Slack (users.info) and turning them into domain Persons."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from cadence.errors import InvalidInput
from cadence.people import Person


def fetch_person(client: WebClient, user_id: str) -> Person | None:
    """The person behind `user_id`, or None if Slack does not know them."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") in ("user_not_found", "users_not_found"):
            return None
        raise
    return Person(
        id=user["id"],
        name=user.get("real_name") or user.get("name") or user["id"],
        is_admin=bool(user.get("is_admin")),
        is_owner=bool(user.get("is_owner") or user.get("is_primary_owner")),
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        deleted=bool(user.get("deleted")),
    )


def require_person(client: WebClient, user_id: str) -> Person:
    """The person behind `user_id`, or a friendly InvalidInput."""
    person = fetch_person(client, user_id)
    if person is None:
        raise InvalidInput(f"I can't find <@{user_id}> in this workspace.")
    return person


LOOKUP_THREADS = 8


def fetch_people(client: WebClient, user_ids: Iterable[str]) -> dict[str, Person | None]:
    """Slack's view of several people (None if unknown to Slack), looked up in parallel."""
    ids = sorted(set(user_ids))
    if len(ids) <= 1:
        return {user_id: fetch_person(client, user_id) for user_id in ids}
    with ThreadPoolExecutor(max_workers=min(LOOKUP_THREADS, len(ids))) as pool:
        return dict(zip(ids, pool.map(lambda u: fetch_person(client, u), ids), strict=True))
