"""The coalesced canvas refresh under concurrency, on SQLite and PostgreSQL: a change still
open while the queued refresh renders is shown by it (the render waits for the change's lock on
the canvas row), and a change made while a refresh renders queues the next refresh (it waits,
then sees the flag lowered). Either way no change is left off the canvas."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlmodel import col, select

from cadence.canvas import refresh
from cadence.vocabulary import OutboxStatus, OwnerRole
from handlers.renderers.canvas import render_edit
from storage.db import new_session, session_scope
from storage.models import OutboxMessage
from tests.cadence.helpers import SAM, assign, make_workflow, wait_until_blocked_or_done
from tests.cadence.test_canvas_refresh import mark_created


def edits(engine) -> list[OutboxMessage]:
    with new_session(engine) as db:
        query = select(OutboxMessage).where(
            OutboxMessage.method == refresh.EDIT_METHOD,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        return list(db.exec(query.order_by(col(OutboxMessage.id))).all())


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list]:
    out: list = []

    def run() -> None:
        try:
            out.append(work())
        except BaseException as exc:  # surfaced by the test
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def render(engine, message: OutboxMessage) -> str:
    """What the deliverer does with one refresh, in its own transaction; the markdown sent."""
    with session_scope(engine) as db:
        rendered = render_edit(db, dict(message.payload["args"]), default_zone="UTC")
        db.get(OutboxMessage, message.id).status = OutboxStatus.SENT
    assert rendered is not None
    return rendered["changes"][0]["document_content"]["markdown"]


def live_workflow(engine):
    with session_scope(engine) as db:
        workflow = make_workflow(db)
        mark_created(db)
    with session_scope(engine) as db:
        assign(db, db.merge(workflow), OwnerRole.STAGE, SAM, stage="First")
    return workflow


def test_a_change_still_open_while_its_refresh_renders_is_shown(any_engine, frozen_clock):
    workflow = live_workflow(any_engine)
    [queued] = edits(any_engine)
    change = new_session(any_engine)
    assign(change, change.merge(workflow), OwnerRole.STAGE, SAM, stage="Second")  # not committed
    thread, out = in_thread(lambda: render(any_engine, queued))
    wait_until_blocked_or_done(any_engine, thread)
    change.commit()
    change.close()
    thread.join(15)
    [markdown] = out
    assert isinstance(markdown, str), markdown
    assert "Stage owner, Second:" in markdown
    assert edits(any_engine) == []  # the change added no refresh: the one queued showed it


def test_a_change_made_while_a_refresh_renders_queues_the_next(any_engine, frozen_clock):
    workflow = live_workflow(any_engine)
    [queued] = edits(any_engine)
    rendering = new_session(any_engine)
    rendered = render_edit(rendering, dict(queued.payload["args"]), default_zone="UTC")
    assert rendered is not None  # the flag is lowered, the transaction still open

    def change() -> None:
        with session_scope(any_engine) as db:
            assign(db, db.merge(workflow), OwnerRole.STAGE, SAM, stage="Late")

    thread, out = in_thread(change)
    wait_until_blocked_or_done(any_engine, thread)
    rendering.get(OutboxMessage, queued.id).status = OutboxStatus.SENT
    rendering.commit()
    rendering.close()
    thread.join(15)
    assert out == [None], out
    markdown = rendered["changes"][0]["document_content"]["markdown"]
    [following] = edits(any_engine)
    assert "Stage owner, Late:" not in markdown
    assert "Stage owner, Late:" in render(any_engine, following)
