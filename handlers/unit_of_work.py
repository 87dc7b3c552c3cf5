"""One commit rule: a listener returns what to say; the unit of work commits, then says it."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from cadence import outbox
from cadence.errors import InvalidInput
from handlers.blocks.kit import fallback_text
from handlers.blocks.modals import modal_error
from handlers.errors import DATABASE_BUSY, handle_error, response_url

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# Runs a reply to Slack after the ack, off the request's thread (bot.app.ListenerPools.later);
# listeners get it as `later`.
Later = Callable[[Callable[[], None]], None]


def now(say: Callable[[], None]) -> None:
    """A `Later` that says it at once (where there is no reply thread)."""
    say()


@dataclass(frozen=True)
class Reply:
    """What a listener says once its changes are committed.

    `text`/`blocks` answer privately (or in the channel when `public`) at the response URL;
    `modal` opens a view with the request's trigger id; `view_update` and `view_errors` answer
    a modal submission (errors kept here are evidence, e.g. a refused step: they are committed);
    `then` is any further talk to Slack, run after the commit (what it queues is committed too).
    """

    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    public: bool = False
    replace_original: bool = False
    modal: dict[str, Any] | None = None
    view_update: dict[str, Any] | None = None
    view_errors: dict[str, str] | None = None
    then: Callable[[], None] | None = None


class FormErrors(Exception):
    """Bad input in a modal submission: nothing is saved, the errors show next to the fields."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


Said = Reply | Iterable[Reply] | None


def unit_of_work(listener: F) -> F:
    """Run the listener, commit its `db` session, then say what it returned.

    Bolt runs the listener after ack() in a worker thread, so the session's life is tied to the
    listener call, not to the middleware chain. Errors are answered here rather than re-raised:
    bolt 1.30's async runner resets an already-sent ack() to "unhandled" when the listener raises
    right after acking, so a refusal would reach Slack as a failure.
    """
    names = inspect.signature(listener).parameters
    missing = {"ack", "body", "client", "db"} - set(names)
    if missing:
        raise TypeError(f"{listener.__name__} must take {sorted(missing)} to be a unit of work")

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> None:
        db: Session = kwargs["db"]
        ack: Ack = kwargs["ack"]
        try:
            replies = _replies(listener(**kwargs))
            db.commit()
            for reply in replies:
                _answer_form(reply, ack)
            if ack.response is None:
                ack()
            for reply in replies:
                _say(reply, kwargs)
            if db.new or db.dirty or db.deleted or db.info.get(outbox.QUEUED):
                db.commit()  # what a follow-up queued (a DM instead of a refused ephemeral)
        except FormErrors as refusal:
            db.rollback()
            ack(response_action="errors", errors=refusal.errors)
        except Exception as error:
            db.rollback()
            field = _first_input(kwargs["body"]) if isinstance(error, OperationalError) else None
            if field is not None and ack.response is None:
                # A form stays open with what the person typed, saying to submit it again.
                ack(response_action="errors", errors={field: modal_error(DATABASE_BUSY)})
                return
            if ack.response is None:
                ack()
            handle_error(error, kwargs["body"], kwargs["client"])
        finally:
            db.close()

    return wrapper  # type: ignore[return-value]


def _first_input(body: dict[str, Any]) -> str | None:
    """The block_id of a submitted form's first input, if `body` is a form submission."""
    if body.get("type") != "view_submission":
        return None
    blocks = (body.get("view") or {}).get("blocks") or []
    return next((b.get("block_id") for b in blocks if b.get("type") == "input"), None)


def _replies(said: Said) -> list[Reply]:
    if said is None:
        return []
    if isinstance(said, Reply):
        return [said]
    return list(said)


def _answer_form(reply: Reply, ack: Ack) -> None:
    if reply.view_update is not None:
        ack(response_action="update", view=reply.view_update)
    elif reply.view_errors is not None:
        ack(response_action="errors", errors=reply.view_errors)


def _say(reply: Reply, kwargs: dict[str, Any]) -> None:
    if reply.text or reply.blocks:
        answer: dict[str, Any] = {"text": fallback_text(reply.text), "blocks": reply.blocks}
        if reply.replace_original:
            answer["replace_original"] = True
        else:
            answer["response_type"] = "in_channel" if reply.public else "ephemeral"
            answer["replace_original"] = False
        respond = kwargs.get("respond") or Respond(response_url=response_url(kwargs["body"]))
        respond(**answer)
    if reply.modal is not None:
        open_modal(kwargs["client"], trigger_id=kwargs["body"].get("trigger_id", ""),
                   view=reply.modal)  # fmt: skip
    if reply.then is not None:
        reply.then()


def open_modal(client: WebClient, *, trigger_id: str, view: dict[str, Any]) -> None:
    """Open a modal; a retried request whose trigger was already used opens nothing more."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        code = error.response.get("error")
        if code == "exchanged_trigger_id":
            # Slack retried the request: the first delivery already opened the form.
            logger.info("Form already opened for trigger %s", trigger_id)
            return
        if code == "expired_trigger_id":
            raise InvalidInput(
                "Slack took too long to open the form; please run the command again."
            ) from error
        raise
