"""Keeps people's time zones (Slack's user `tz`) for quiet hours, asking Slack in parallel."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from cadence.reminders.working_hours import remember_user
from storage.db import session_scope

logger = logging.getLogger(__name__)

LOOKUPS_PER_RUN = 200
PARALLEL_LOOKUPS = 8


def refresh_timezones(
    client: WebClient, engine: Engine, *, team_id: str, user_ids: set[str], moment: datetime
) -> int:
    """Ask Slack for the time zone of each of `user_ids` (bounded per run); returns how many."""
    wanted = sorted(user_ids)[:LOOKUPS_PER_RUN]
    if not wanted:
        return 0
    with ThreadPoolExecutor(PARALLEL_LOOKUPS, thread_name_prefix="tz") as pool:
        found = list(pool.map(lambda user: (user, _lookup(client, user)), wanted))
    with session_scope(engine) as db:
        for user, (tz, deleted) in ((u, r) for u, r in found if r is not None):
            remember_user(db, team_id=team_id, user_id=user, tz=tz, deleted=deleted, moment=moment)
    return sum(1 for _, result in found if result is not None)


def _lookup(client: WebClient, user: str) -> tuple[str | None, bool] | None:
    """(tz, deleted) from users.info; None when Slack could not say (try again next run)."""
    try:
        info = client.users_info(user=user)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") in ("user_not_found", "user_not_visible"):
            return None, True
        logger.warning("Could not read the time zone of %s: %s", user, exc.response.get("error"))
        return None
    except (OSError, TimeoutError) as exc:
        logger.warning("Could not read the time zone of %s: %s", user, exc)
        return None
    return info.get("tz"), bool(info.get("deleted"))
