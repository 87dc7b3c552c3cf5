"""Tests of the Slack test harness: FakeSlack through the real WebClient, and SlackSim."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import URLError
from urllib.parse import parse_qs
from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack import FakeSlack
from tests.slack_sim import SlackSim, all_text, buttons, inputs

SECRET = "harness-signing-secret"


class _BotStub:
    """Stands in for the bot's endpoint: records what SlackSim sends, answers a canned reply."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict, bytes]] = []
        self.reply: tuple[int, str] = (200, "")
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stub.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status, text = stub.reply
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(text.encode())))
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"

    def payload(self, index: int = -1) -> dict:
        """The interaction payload of a recorded form request."""
        return json.loads(parse_qs(self.requests[index][1].decode())["payload"][0])


@pytest.fixture(scope="module")
def _fake_server() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def _fake(_fake_server: FakeSlack) -> FakeSlack:
    _fake_server.reset()
    return _fake_server


@pytest.fixture
def _client(_fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=_fake.url)


@pytest.fixture(scope="module")
def _stub_server() -> Iterator[_BotStub]:
    stub = _BotStub()
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


@pytest.fixture
def _stub(_stub_server: _BotStub) -> _BotStub:
    _stub_server.requests.clear()
    _stub_server.reply = (200, "")
    return _stub_server


@pytest.fixture
def _sim(_fake: FakeSlack, _stub: _BotStub) -> SlackSim:
    return SlackSim(_stub.url, SECRET, _fake)


ACK_BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Escalation* raised by <@U1>"}},
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "action_id": "ack",
                "value": "42",
                "style": "primary",
            },
            {"type": "button", "text": {"type": "plain_text", "text": "Hand off"}, "value": "h"},
        ],
    },
]


# ----- FakeSlack through the real WebClient -----------------------------------------------------


def test_post_message_round_trip(_fake: FakeSlack, _client: WebClient) -> None:
    parent = _client.chat_postMessage(channel="C1", text="Escalation raised", blocks=ACK_BLOCKS)
    reply = _client.chat_postMessage(channel="C1", text="details", thread_ts=parent["ts"])

    assert parent["ok"] and parent["channel"] == "C1"
    assert parent["ts"] == "1700000000.000100"
    assert float(reply["ts"]) > float(parent["ts"])
    assert parent["message"]["user"] == "UBOT" and parent["message"]["bot_id"] == "BBOT"
    assert "thread_ts" not in parent["message"]
    assert reply["message"]["thread_ts"] == parent["ts"]
    first, second = _fake.messages("C1")
    assert (first["ts"], first["thread_ts"], first["text"]) == (
        parent["ts"],
        None,
        "Escalation raised",
    )
    assert second["thread_ts"] == parent["ts"] and _fake.replies("C1", parent["ts"]) == [second]
    # Slack fills in the block_id / action_id the app left out.
    assert all(b["block_id"] for b in first["blocks"])
    assert [b["text"] for b in buttons(first["blocks"])] == ["Acknowledge", "Hand off"]
    assert buttons(first["blocks"])[1]["action_id"]
    assert "*Escalation* raised by <@U1>" in all_text(first)

    _client.chat_update(channel="C1", ts=parent["ts"], text="Acknowledged", blocks=[])
    (updated, _) = _fake.messages("C1")
    assert (updated["text"], updated["blocks"], updated["ts"]) == ("Acknowledged", [], parent["ts"])
    assert all_text(updated) == "Acknowledged"


def test_slack_sdk_sends_json_for_chat_and_form_for_lookups(
    _fake: FakeSlack, _client: WebClient
) -> None:
    _fake.add_user("U1", name="ana")
    _client.chat_postMessage(channel="C1", text="hi", blocks=ACK_BLOCKS)
    _client.users_info(user="U1")
    _client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(ACK_BLOCKS)})

    posted, lookup, form_post = _fake.calls
    assert posted.headers["content-type"] == "application/json;charset=utf-8"
    assert posted.headers["authorization"] == "Bearer xoxb-test"
    assert lookup.headers["content-type"] == "application/x-www-form-urlencoded"
    assert lookup.params == {"user": "U1"}
    assert form_post.params["blocks"][0]["type"] == "section"  # JSON string decoded
    request = Request(f"{_fake.url}users.info?user=U1", headers={"Authorization": "Bearer xoxb-t"})
    with urlopen(request) as response:
        assert json.load(response)["user"]["name"] == "ana"


def test_users_info_known_and_unknown(_fake: FakeSlack, _client: WebClient) -> None:
    _fake.add_user("U1", name="ana", real_name="Ana Lima", is_admin=True, tz="Europe/Lisbon")

    user = _client.users_info(user="U1")["user"]
    assert (user["id"], user["name"], user["real_name"], user["tz"]) == (
        "U1",
        "ana",
        "Ana Lima",
        "Europe/Lisbon",
    )
    assert user["is_admin"] and not user["is_bot"] and user["profile"]["display_name"] == "ana"
    with pytest.raises(SlackApiError) as failure:
        _client.users_info(user="UNOBODY")
    assert failure.value.response["error"] == "user_not_found"


def test_channels_dms_and_directory(_fake: FakeSlack, _client: WebClient) -> None:
    _fake.add_channel("C1", name="ops", members=["U1", "U2", "U3"])
    _fake.add_channel("C2", name="old", is_archived=True)
    _fake.add_channel("C3", name="secret", is_private=True, is_member=False)

    assert _client.conversations_info(channel="C1")["channel"]["name"] == "ops"
    first = _client.conversations_members(channel="C1", limit=2)
    rest = _client.conversations_members(
        channel="C1", cursor=first["response_metadata"]["next_cursor"]
    )
    assert first["members"] + rest["members"] == ["U1", "U2", "U3"]
    assert rest["response_metadata"]["next_cursor"] == ""
    for channel, error in [("C2", "is_archived"), ("C3", "not_in_channel")]:
        with pytest.raises(SlackApiError, match=error):
            _client.chat_postMessage(channel=channel, text="hi")
    with pytest.raises(SlackApiError, match="channel_not_found"):
        _client.conversations_info(channel="C404")
    assert _client.chat_postMessage(channel="C0UNKNOWN", text="lenient")["ok"]

    dm = _client.conversations_open(users="U1")["channel"]["id"]
    _client.chat_postMessage(channel=dm, text="via open")
    assert _client.chat_postMessage(channel="U1", text="via user id")["channel"] == "DU1"
    assert [m["text"] for m in _fake.dms("U1")] == ["via open", "via user id"]
    _client.chat_postEphemeral(channel="C1", user="U2", text="only you")
    assert [e["text"] for e in _fake.ephemerals("U2")] == ["only you"]


def test_auth_and_unknown_method(_fake: FakeSlack) -> None:
    for token, error in [(None, "not_authed"), ("bogus", "invalid_auth")]:
        with pytest.raises(SlackApiError, match=error):
            WebClient(token=token, base_url=_fake.url).auth_test()
    client = WebClient(token="xoxb-test", base_url=_fake.url)
    assert client.auth_test()["user_id"] == "UBOT"
    with pytest.raises(SlackApiError, match="unknown_method"):
        client.api_call("nope.nothing")


def test_rate_limit_sends_retry_after(_fake: FakeSlack, _client: WebClient) -> None:
    _fake.fail("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as failure:
        _client.chat_postMessage(channel="C1", text="hi")
    assert failure.value.response.status_code == 429
    assert failure.value.response.headers["Retry-After"] == "7"
    assert failure.value.response["error"] == "ratelimited"
    assert _client.chat_postMessage(channel="C1", text="again")["ok"]  # times=1
    assert [c.status for c in _fake.calls_to("chat.postMessage")] == [429, 200]
    assert [m["text"] for m in _fake.messages()] == ["again"]


def test_rate_limit_retry_handler_honours_retry_after(
    _fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(builtin_handlers.time, "sleep", slept.append)
    client = WebClient(
        token="xoxb-test",
        base_url=_fake.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    _fake.fail("chat.postMessage", retry_after=3)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.status for c in _fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(slept) == 1 and 3 <= slept[0] < 4


def test_server_error_and_injected_error(_fake: FakeSlack, _client: WebClient) -> None:
    _fake.fail("chat.postMessage", status=500)
    _fake.fail("users.info", error="user_not_visible", times=2)

    with pytest.raises(SlackApiError) as failure:
        _client.chat_postMessage(channel="C1", text="hi")
    assert failure.value.response.status_code == 500
    for _ in range(2):
        with pytest.raises(SlackApiError, match="user_not_visible"):
            _client.users_info(user="UBOT")
    assert _client.users_info(user="UBOT")["ok"]
    assert [(c.status, c.error) for c in _fake.calls] == [
        (500, "internal_error"),
        (200, "user_not_visible"),
        (200, "user_not_visible"),
        (200, None),
    ]


def test_hang_makes_the_client_time_out(_fake: FakeSlack) -> None:
    _fake.hang("chat.postMessage", seconds=3)
    client = WebClient(token="xoxb-test", base_url=_fake.url, timeout=1)

    started = time.monotonic()
    with pytest.raises((TimeoutError, URLError)):
        client.chat_postMessage(channel="C1", text="hi")
    assert 0.9 < time.monotonic() - started < 2.5
    _fake.reset()  # releases the hanging request without recording it
    assert _fake.calls == []


def test_views_open_publish_update(_fake: FakeSlack, _client: WebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "escalate",
        "title": {"type": "plain_text", "text": "Escalate"},
        "private_metadata": "wf-7",
        "blocks": ACK_BLOCKS[:1],
    }
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        _client.views_open(trigger_id=None, view=modal)
    trigger = _fake.new_trigger_id()
    view = _client.views_open(trigger_id=trigger, view=modal)["view"]
    assert view["id"].startswith("V") and view["hash"] and view["root_view_id"] == view["id"]
    assert (view["callback_id"], view["private_metadata"]) == ("escalate", "wf-7")
    assert view["state"] == {"values": {}} and _fake.views[view["id"]] == view
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        _client.views_open(trigger_id=trigger, view=modal)
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        _client.views_open(trigger_id="1.2.3", view={**modal, "title": {"text": "x" * 25}})

    updated = _client.views_update(view_id=view["id"], view={**modal, "private_metadata": "wf-8"})
    assert updated["view"]["private_metadata"] == "wf-8" and updated["view"]["hash"] != view["hash"]
    with pytest.raises(SlackApiError, match="not_found"):
        _client.views_update(view_id="VNOPE", view=modal)
    home = {"type": "home", "blocks": ACK_BLOCKS}
    published = _client.views_publish(user_id="U1", view=home)["view"]
    assert _fake.home("U1") == published and _fake.home("U2") is None


def test_response_url_posts_are_recorded(_fake: FakeSlack, _client: WebClient) -> None:
    posted = _client.chat_postMessage(channel="C1", text="vote", blocks=ACK_BLOCKS)
    url = _fake.response_url("abc")
    bound = _fake.response_url(channel="C1", user="U1", message_ts=posted["ts"])

    assert WebhookClient(url).send(text="done").status_code == 200
    WebhookClient(bound).send(text="Thanks, recorded", replace_original=True)
    assert _fake.wait_for_responses(count=2) == [
        {"text": "done"},
        {"text": "Thanks, recorded", "replace_original": True},
    ]
    assert _fake.responses("abc") == [{"text": "done"}]
    assert _fake.responses(bound) == [{"text": "Thanks, recorded", "replace_original": True}]
    assert _fake.messages("C1")[0]["text"] == "Thanks, recorded"
    assert _fake.messages("C1")[0]["blocks"] == []


def test_wait_for_sees_background_calls(_fake: FakeSlack, _client: WebClient) -> None:
    timer = threading.Timer(0.05, lambda: _client.chat_postMessage(channel="C1", text="late"))
    timer.start()

    (call,) = _fake.wait_for("chat.postMessage", timeout=2)
    assert call.params["text"] == "late"
    assert _fake.wait_for(lambda: len(_fake.messages()) == 1, timeout=1)


def test_wait_for_timeout_lists_calls_seen(_fake: FakeSlack, _client: WebClient) -> None:
    _client.chat_postMessage(channel="C1", text="only this")

    with pytest.raises(AssertionError) as failure:
        _fake.wait_for("chat.update", timeout=0.1)
    report = str(failure.value)
    assert "Timed out after 0.1s waiting for chat.update" in report
    assert "chat.postMessage -> 200 ok" in report and "only this" in report
    with pytest.raises(AssertionError, match="response_url post"):
        _fake.wait_for_responses(timeout=0.1)


# ----- SlackSim ---------------------------------------------------------------------------------


def test_sim_signs_requests_that_slack_sdk_accepts(_sim: SlackSim, _stub: _BotStub) -> None:
    verifier = SignatureVerifier(SECRET)
    _sim.command("/escalate", "pricing outage", user="U1")
    headers, body = _stub.requests[0]

    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b"x", headers)
    stale = _sim.signed_headers(body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)
    assert not verifier.is_valid_request(body, _sim.signed_headers(body, secret="wrong"))
    assert _sim.post_raw(body, {"Content-Type": "text/plain"}).status == 200  # stub ignores it


def test_command_payload_and_ack_message(_fake: FakeSlack, _sim: SlackSim, _stub: _BotStub) -> None:
    _fake.add_user("U1", name="ana")
    _stub.reply = (200, json.dumps({"text": "Working on it"}))

    reply = _sim.command("/escalate", "pricing outage", user="U1", channel="C9", channel_name="ops")
    form = {k: v[0] for k, v in parse_qs(_stub.requests[0][1].decode()).items()}
    assert form["command"] == "/escalate" and form["text"] == "pricing outage"
    assert (form["user_id"], form["user_name"], form["channel_id"]) == ("U1", "ana", "C9")
    assert form["team_id"] == "T0001" and form["is_enterprise_install"] == "false"
    assert form["response_url"] == reply.response_url and form["trigger_id"]
    assert reply.json == {"text": "Working on it"} and reply.elapsed < 1
    assert [e["text"] for e in _fake.ephemerals("U1")] == ["Working on it"]
    WebhookClient(reply.response_url).send(text="Escalated", response_type="in_channel")
    assert [m["text"] for m in _fake.messages("C9")] == ["Escalated"]


def test_click_builds_block_actions_payload(
    _fake: FakeSlack, _client: WebClient, _sim: SlackSim, _stub: _BotStub
) -> None:
    _fake.add_channel("C1", name="ops")
    posted = _client.chat_postMessage(channel="C1", text="Escalation", blocks=ACK_BLOCKS)
    message = _fake.messages("C1")[0]

    reply = _sim.click(message, user="U1", text="acknowledge")
    payload = _stub.payload()
    assert payload["type"] == "block_actions" and payload["user"]["id"] == "U1"
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C1",
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": "C1", "name": "ops"}
    assert payload["message"]["ts"] == posted["ts"] and "channel" not in payload["message"]
    assert payload["response_url"] == reply.response_url and payload["trigger_id"]
    (action,) = payload["actions"]
    assert (action["action_id"], action["block_id"], action["value"]) == ("ack", "decide", "42")
    assert action["text"]["text"] == "Acknowledge" and action["type"] == "button"
    with pytest.raises(AssertionError, match="text='Hand off'"):
        _sim.click(message, user="U1", text="Resolve")


def test_select_in_a_message(_client: WebClient, _sim: SlackSim, _stub: _BotStub) -> None:
    options = [
        {"text": {"type": "plain_text", "text": name}, "value": name.lower()}
        for name in ("Low", "High")
    ]
    picker = {"type": "static_select", "action_id": "severity", "options": options}
    posted = _client.chat_postMessage(
        channel="C1", text="pick", blocks=[{"type": "actions", "elements": [picker]}]
    )

    _sim.select(
        {"channel": "C1", "ts": posted["ts"]}, user="U1", action_id="severity", option_value="high"
    )
    (action,) = _stub.payload()["actions"]
    assert action["type"] == "static_select" and action["selected_option"] == options[1]
    with pytest.raises(AssertionError, match="'low'"):
        _sim.select(
            {"channel": "C1", "ts": posted["ts"]}, user="U1", action_id="severity", option_value="x"
        )


def _option(value: str) -> dict:
    return {"text": {"type": "plain_text", "text": value.title()}, "value": value}


def _input(block_id: str, label: str, element: dict, *, optional: bool = False) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {"action_id": f"{block_id}_input", **element},
        "optional": optional,
    }


EVERY_INPUT = {
    "type": "modal",
    "callback_id": "every_input",
    "title": {"type": "plain_text", "text": "Every input"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        _input("summary", "Summary", {"type": "plain_text_input", "max_length": 20}),
        _input(
            "severity",
            "Severity",
            {"type": "static_select", "options": [_option("low"), _option("high")]},
        ),
        _input(
            "tags", "Tags", {"type": "multi_static_select", "options": [_option("a"), _option("b")]}
        ),
        _input("owner", "Owner", {"type": "users_select", "initial_user": "U9"}),
        _input("team", "Team", {"type": "multi_users_select"}, optional=True),
        _input("where", "Where", {"type": "conversations_select"}),
        _input("channel", "Channel", {"type": "channels_select"}, optional=True),
        _input("checks", "Checks", {"type": "checkboxes", "options": [_option("x"), _option("y")]}),
        _input(
            "mode",
            "Mode",
            {
                "type": "radio_buttons",
                "options": [_option("sync"), _option("async")],
                "initial_option": _option("async"),
            },
        ),
        _input("note", "Note", {"type": "plain_text_input", "initial_value": "n/a"}, optional=True),
        _input("due", "Due", {"type": "datepicker"}, optional=True),
    ],
}


def test_submit_shapes_state_per_element_type(
    _fake: FakeSlack, _client: WebClient, _sim: SlackSim, _stub: _BotStub
) -> None:
    view = _client.views_open(trigger_id=_fake.new_trigger_id(), view=EVERY_INPUT)["view"]
    assert [i["label"] for i in inputs(view)][:3] == ["Summary", "Severity", "Tags"]

    _sim.submit(
        view,
        user="U1",
        values={
            "Summary": "Pricing outage",  # by label
            "severity": "high",  # by block_id
            "tags": ["a", "b"],
            "team": ["U1", "U2"],
            "where": "C1",
            "checks": ["y"],
        },
    )
    payload = _stub.payload()
    assert payload["type"] == "view_submission" and payload["view"]["id"] == view["id"]
    assert payload["view"]["callback_id"] == "every_input" and payload["response_urls"] == []
    values = {
        block: state[f"{block}_input"]
        for block, state in payload["view"]["state"]["values"].items()
    }
    assert values == {
        "summary": {"type": "plain_text_input", "value": "Pricing outage"},
        "severity": {"type": "static_select", "selected_option": _option("high")},
        "tags": {"type": "multi_static_select", "selected_options": [_option("a"), _option("b")]},
        "owner": {"type": "users_select", "selected_user": "U9"},
        "team": {"type": "multi_users_select", "selected_users": ["U1", "U2"]},
        "where": {"type": "conversations_select", "selected_conversation": "C1"},
        "channel": {"type": "channels_select", "selected_channel": None},
        "checks": {"type": "checkboxes", "selected_options": [_option("y")]},
        "mode": {"type": "radio_buttons", "selected_option": _option("async")},
        "note": {"type": "plain_text_input", "value": "n/a"},
        "due": {"type": "datepicker", "selected_date": None},
    }


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"severity": "urgent"}, "no option with value 'urgent'"),
        ({"Nope": "x"}, "No input 'Nope'"),
        ({"summary": "x" * 21}, "too long"),
        ({"summary": "ok", "severity": "low", "tags": ["a"], "where": "C1"}, "'Checks'"),
    ],
)
def test_submit_refuses_what_slack_would_refuse(
    _fake: FakeSlack, _client: WebClient, _sim: SlackSim, values: dict, complaint: str
) -> None:
    view = _client.views_open(trigger_id=_fake.new_trigger_id(), view=EVERY_INPUT)["view"]
    with pytest.raises(AssertionError, match=complaint):
        _sim.submit(view, user="U1", values=values)


def test_submit_applies_response_action_update(
    _fake: FakeSlack, _client: WebClient, _sim: SlackSim, _stub: _BotStub
) -> None:
    view = _client.views_open(trigger_id=_fake.new_trigger_id(), view=EVERY_INPUT)["view"]
    done = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Done"},
        "blocks": ACK_BLOCKS[:1],
    }
    _stub.reply = (200, json.dumps({"response_action": "update", "view": done}))

    values = {"summary": "s", "severity": "low", "tags": ["a"], "where": "C1", "checks": ["x"]}
    reply = _sim.submit(view, user="U1", values=values)
    assert reply.json["response_action"] == "update"
    assert "Escalation" in all_text(_fake.view(view["id"]))


def test_events_envelope_and_home_opened(_fake: FakeSlack, _sim: SlackSim, _stub: _BotStub) -> None:
    _sim.event({"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1"})
    _sim.home_opened("U1")
    (h1, b1), (h2, b2) = _stub.requests

    first, second = json.loads(b1), json.loads(b2)
    assert h1["content-type"] == "application/json"
    assert first["type"] == "event_callback" and first["team_id"] == "T0001"
    assert first["event"]["type"] == "app_mention" and first["event"]["event_ts"]
    assert (
        first["authorizations"][0]["user_id"] == "UBOT" and first["event_id"] != second["event_id"]
    )
    assert second["event"] | {"event_ts": ""} == {
        "type": "app_home_opened",
        "user": "U1",
        "channel": "DU1",
        "tab": "home",
        "event_ts": "",
    }
    assert SignatureVerifier(SECRET).is_valid_request(b2, h2)
