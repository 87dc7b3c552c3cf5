"""The page's server over HTTP: the page and its files, the workspace as a person sees it, the
composer (Slack's escaping, then a signed command to the bot), the clock, and live events."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from playground.cast import BY_NAME, RANDOM
from playground.runtime import Playground
from playground.web import make_page_server

ADA, LI = BY_NAME["ada"], BY_NAME["li"]


@pytest.fixture
def base(empty: Playground) -> Iterator[str]:
    server = make_page_server(empty, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.closing = True
    server.shutdown()
    server.server_close()


def post(base: str, path: str, body: dict) -> dict:
    request = Request(base + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urlopen(request, timeout=10) as answer:
            return json.load(answer)
    except HTTPError as error:
        return {"status": error.code, **json.load(error)}


def state(base: str, user: str, channel: str) -> dict:
    with urlopen(f"{base}/api/state?user={user}&channel={channel}", timeout=10) as answer:
        return json.load(answer)


def said_to(base: str, user: str, channel: str, text: str) -> dict:
    """Wait for an ephemeral answer containing `text` (the bot answers after its ack)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for message in state(base, user, channel)["messages"]:
            if message.get("is_ephemeral") and text in message["text"]:
                return message
        time.sleep(0.05)  # the bot answers on its own thread; nothing to wait on here
    raise AssertionError(f"no answer with {text!r}: {state(base, user, channel)['messages']}")


def test_the_page_and_only_its_files_are_served(base: str) -> None:
    with urlopen(base + "/", timeout=5) as page:
        assert b'data-testid="person"' in page.read()
    with urlopen(base + "/static/blocks.js", timeout=5) as script:
        assert script.headers["Content-Type"].startswith("text/javascript")
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=5)
    connection.request("GET", "/static/../runtime.py")
    assert connection.getresponse().status == 404


def test_typed_commands_are_escaped_and_reach_the_bot(base: str, empty: Playground) -> None:
    sent = post(base, "/api/send", {"user": ADA.id, "channel": RANDOM,
                                    "text": "/cadence workflow add Triage in #random"})  # fmt: skip
    assert sent["ok"] and sent["sent"] == f"workflow add Triage in <#{RANDOM}|random>"
    said_to(base, ADA.id, RANDOM, "Registered *Triage*")
    sent = post(base, "/api/send", {"user": ADA.id, "channel": RANDOM,
                                    "text": "/owner workflow @li Triage"})  # fmt: skip
    assert sent["sent"] == f"workflow <@{LI.id}|li> Triage"
    said_to(base, ADA.id, RANDOM, "is now the workflow owner")
    assert all(not m.get("is_ephemeral") for m in state(base, LI.id, RANDOM)["messages"])


def test_the_composer_refuses_unknown_commands_and_posts_messages(base: str) -> None:
    refused = post(base, "/api/send", {"user": ADA.id, "channel": RANDOM, "text": "/deploy"})
    assert refused["status"] == 400 and "not a valid command" in refused["error"]
    post(base, "/api/send", {"user": ADA.id, "channel": RANDOM, "text": "hello *all*"})
    (message,) = state(base, LI.id, RANDOM)["messages"]
    assert (message["user"], message["text"]) == (ADA.id, "hello *all*")


def test_the_clock_moves_and_events_say_what_changed(base: str, empty: Playground) -> None:
    before = empty.clock()
    moved = post(base, "/api/clock", {"move": "day"})
    assert (empty.clock() - before).total_seconds() >= 86_400
    assert moved["now"][:10] == empty.clock().isoformat()[:10]
    assert post(base, "/api/clock", {"move": "year"})["status"] == 400

    with urlopen(base + "/api/events", timeout=10) as events:
        assert events.headers["Content-Type"] == "text/event-stream"
        first = [events.readline() for _ in range(3)]
        assert first[0] == b"event: change\n"
        post(base, "/api/send", {"user": ADA.id, "channel": RANDOM, "text": "news"})
        second = [events.readline() for _ in range(3)]
    assert second[0] == b"event: change\n" and int(second[1][6:]) > int(first[1][6:])
