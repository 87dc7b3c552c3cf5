"""The one error handler: friendly private answers for domain errors, an error id otherwise."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import IntegrityError

from cadence.errors import CadenceError
from handlers.blocks.kit import fallback_text

logger = logging.getLogger("cadence.errors")


def handle_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
    """Tell the person what went wrong, privately; log what they cannot fix."""
    if isinstance(error, CadenceError):
        text = error.user_message
    elif isinstance(error, IntegrityError):
        # The schema refused a duplicate: someone made the same change at the same moment.
        logger.info("Concurrent change refused by the schema: %s", error.orig)
        text = (
            "Someone changed the same thing at the same moment, so nothing was saved. "
            "Please check and try again."
        )
    else:
        error_id = secrets.token_hex(4)
        logger.error("Unhandled error %s", error_id, exc_info=error)
        text = (
            f":warning: Sorry, something went wrong on our side and nothing was changed. "
            f"If it keeps happening, tell your Cadence admin the error id `{error_id}`."
        )
    reply_privately(body, client, text)


def reply_privately(body: dict[str, Any], client: WebClient, text: str) -> None:
    """An ephemeral reply to whoever sent `body`: via response_url, else as a DM."""
    url = response_url(body)
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    text = fallback_text(text)
    try:
        if url:
            WebhookClient(url, timeout=10).send(
                text=text, response_type="ephemeral", replace_original=False
            )
        elif user:
            client.chat_postMessage(channel=user, text=text)
    except (SlackApiError, OSError):
        logger.exception("Could not tell %s about an error", user)


def response_url(body: dict[str, Any]) -> str | None:
    """Where to answer the person who sent `body` privately, if Slack gave a place."""
    return body.get("response_url") or next(
        (r.get("response_url") for r in body.get("response_urls") or [] if r), None
    )


def register(app: App) -> None:
    """Install the error handler."""
    app.error(handle_error)
