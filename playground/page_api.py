"""What the page asks for and does, as the local Slack shows it and as Slack would send it:
each action is a signed request to the bot (slash command, block_actions, view_submission,
app_home_opened) or a Web API-side change a person makes (their own message, closing a modal)."""

from __future__ import annotations

from typing import Any

from playground.cast import PEOPLE
from playground.clock import Move
from playground.escaping import escape_command_text
from playground.runtime import Playground

COMMANDS = ("/cadence", "/owner", "/escalate")
HOME = "home"


class PageError(ValueError):
    """A request the page should not have sent (shown to the person as it is)."""


def workspace(pg: Playground) -> dict[str, Any]:
    """Who is here, which channels exist, and the workspace's time zone."""
    roles = {member.id: member.role for member in PEOPLE}
    people = [
        {"id": u["id"], "name": u["name"], "real_name": u["real_name"], "role": roles.get(u["id"])}
        for u in pg.fake.users()
        if not u["deleted"]
    ]
    channels = [{"id": c["id"], "name": c["name"]} for c in pg.fake.channels()]
    return {
        "team": pg.fake.team_domain,
        "bot": {"id": pg.fake.bot_user_id, "name": "Cadence"},
        "people": people,
        "channels": channels,
        "commands": list(COMMANDS),
        "zone": pg.options.zone,
    }


def state(pg: Playground, *, user: str, channel: str, thread: str | None) -> dict[str, Any]:
    """What `user` sees with `channel` (or the Home tab) open, and `thread` beside it; the
    channel's canvas, if it has one."""
    shown: dict[str, Any] = {
        "now": pg.clock().isoformat(),
        "version": pg.fake.version,
        "modals": pg.fake.modals(user),
        "messages": [],
        "thread": None,
        "home": None,
        "canvas": None,
    }
    if channel == HOME:
        shown["home"] = pg.fake.home(user)
        return shown
    canvas = pg.fake.channel_canvas(channel)
    if canvas is not None:  # the channel's canvas as Slack holds it: its tab shows the markdown
        shown["canvas"] = {"id": canvas["id"], "title": canvas["title"],
                           "markdown": canvas["markdown"], "edits": canvas["edits"]}  # fmt: skip
    everything = pg.fake.messages(channel) + [
        e for e in pg.fake.ephemerals(user) if e["channel"] == channel
    ]
    everything.sort(key=lambda m: float(m["ts"]))
    shown["messages"] = [m for m in everything if m.get("thread_ts") in (None, m["ts"])]
    if thread:
        parent = pg.fake.message(channel, thread)
        replies = [m for m in everything if m.get("thread_ts") == thread and m["ts"] != thread]
        if parent and not parent.get("deleted"):
            shown["thread"] = {"parent": parent, "replies": replies}
    return shown


def send(pg: Playground, *, user: str, channel: str, text: str, thread: str | None) -> dict:
    """The composer: a slash command goes to the bot, anything else is the person's message."""
    text = text.strip()
    if not text:
        raise PageError("Type a message or a command.")
    if not text.startswith("/"):
        pg.fake.post_as_user(channel, user, text, thread_ts=thread)
        return {"ok": True}
    command, _, rest = text.partition(" ")
    if command not in COMMANDS:
        raise PageError(f"{command} is not a valid command. Try {', '.join(COMMANDS)}.")
    escaped = escape_command_text(rest, people=pg.fake.users(), channels=pg.fake.channels())
    known = pg.fake.channel(channel)
    name = known["name"] if known else "directmessage"
    reply = pg.sim.command(command, escaped, user=user, channel=channel, channel_name=name)
    return {"ok": reply.status == 200, "status": reply.status, "sent": escaped}


def act(pg: Playground, request: dict[str, Any]) -> dict:
    """A click or a choice in a message, the Home tab or a modal (block_actions)."""
    user = request["user"]
    if request.get("view_id"):
        source = pg.fake.view(request["view_id"])
    else:
        source = pg.fake.message(request["channel"], request["ts"])
    if source is None or source.get("deleted"):
        raise PageError("That message or view is gone.")
    reply = pg.sim.act(
        source,
        user=user,
        block_id=request["block_id"],
        action_id=request["action_id"],
        value=request.get("value"),
        values=request.get("values") or {},
    )
    return {"ok": reply.status == 200, "status": reply.status}


def submit(pg: Playground, *, user: str, view_id: str, values: dict[str, Any]) -> dict:
    """A modal's submit button (view_submission); errors come back for the fields."""
    view = pg.fake.view(view_id)
    if view is None:
        raise PageError("That form is closed.")
    try:
        reply = pg.sim.submit(view, user=user, values=values, enforce_required=False)
    except AssertionError as exc:  # what Slack's client would refuse to send
        raise PageError(str(exc)) from None
    answer = reply.json or {}
    errors = answer.get("errors") if answer.get("response_action") == "errors" else None
    return {"ok": reply.status == 200, "status": reply.status, "errors": errors or {}}


def close(pg: Playground, *, view_id: str, everything: bool) -> dict:
    """Close a modal (Cancel goes back one; the cross closes them all)."""
    pg.fake.close_view(view_id, everything=everything)
    return {"ok": True}


def open_home(pg: Playground, *, user: str) -> dict:
    """The person opened the App Home tab (app_home_opened)."""
    reply = pg.sim.home_opened(user)
    return {"ok": reply.status == 200, "status": reply.status}


def move_clock(pg: Playground, *, move: str) -> dict:
    """The clock control: +1 hour, +1 day, next Monday 09:00."""
    try:
        chosen = Move(move)
    except ValueError:
        raise PageError(f"unknown clock move {move!r}") from None
    return {"ok": True, "now": pg.move_clock(chosen).isoformat()}
