"""SlackSim (slackfake/sim.py): signed commands, clicks, selects, submissions and events, as a
stand-in bot endpoint receives them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from slackfake import FakeSlack
from slackfake.forms import all_text, inputs
from slackfake.sim import SlackSim
from tests.cast import GENERAL, GOV, LI, MARIA, SAM
from tests.slackfake.test_fake import ACK_BLOCKS

SECRET = "harness-signing-secret"


class BotStub:
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
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"

    def payload(self, index: int = -1) -> dict:
        """The interaction payload of a recorded form request."""
        return json.loads(parse_qs(self.requests[index][1].decode())["payload"][0])


@pytest.fixture(scope="module")
def stub_server() -> Iterator[BotStub]:
    stub = BotStub()
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


@pytest.fixture
def stub(stub_server: BotStub) -> BotStub:
    stub_server.requests.clear()
    stub_server.reply = (200, "")
    return stub_server


@pytest.fixture
def sim(fake_slack: FakeSlack, stub: BotStub) -> SlackSim:
    return SlackSim(stub.url, SECRET, fake_slack)


def test_sim_signs_requests_that_slack_sdk_accepts(sim: SlackSim, stub: BotStub) -> None:
    verifier = SignatureVerifier(SECRET)
    sim.command("/escalate", "pricing outage", user=MARIA)
    headers, body = stub.requests[0]

    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b"x", headers)
    stale = sim.signed_headers(body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)
    assert not verifier.is_valid_request(body, sim.signed_headers(body, secret="wrong"))
    assert sim.post_raw(body, {"Content-Type": "text/plain"}).status == 200  # stub ignores it


def test_command_payload_and_ack_message(
    fake_slack: FakeSlack, sim: SlackSim, stub: BotStub
) -> None:
    stub.reply = (200, json.dumps({"text": "Working on it"}))

    reply = sim.command(
        "/escalate", "pricing outage", user=MARIA, channel=GOV, channel_name="ai-support-gov"
    )
    form = {k: v[0] for k, v in parse_qs(stub.requests[0][1].decode()).items()}
    assert form["command"] == "/escalate" and form["text"] == "pricing outage"
    assert (form["user_id"], form["user_name"], form["channel_id"]) == (MARIA, "maria", GOV)
    assert form["team_id"] == "T0001" and form["is_enterprise_install"] == "false"
    assert form["response_url"] == reply.response_url and form["trigger_id"]
    assert reply.json == {"text": "Working on it"} and reply.elapsed < 1
    assert [e["text"] for e in fake_slack.ephemerals(MARIA)] == ["Working on it"]
    WebhookClient(reply.response_url).send(text="Escalated", response_type="in_channel")
    assert [m["text"] for m in fake_slack.messages(GOV)] == ["Escalated"]


def test_click_builds_block_actions_payload(
    fake_slack: FakeSlack, slack_client: WebClient, sim: SlackSim, stub: BotStub
) -> None:
    posted = slack_client.chat_postMessage(channel=GENERAL, text="Escalation", blocks=ACK_BLOCKS)
    message = fake_slack.messages(GENERAL)[0]

    reply = sim.click(message, user=MARIA, text="acknowledge")
    payload = stub.payload()
    assert payload["type"] == "block_actions" and payload["user"]["id"] == MARIA
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": GENERAL,
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": GENERAL, "name": "general"}
    assert payload["message"]["ts"] == posted["ts"] and "channel" not in payload["message"]
    assert payload["response_url"] == reply.response_url and payload["trigger_id"]
    (action,) = payload["actions"]
    assert (action["action_id"], action["block_id"], action["value"]) == ("ack", "decide", "42")
    assert action["text"]["text"] == "Acknowledge" and action["type"] == "button"
    with pytest.raises(AssertionError, match="text='Hand off'"):
        sim.click(message, user=MARIA, text="Resolve")


def test_select_in_a_message(slack_client: WebClient, sim: SlackSim, stub: BotStub) -> None:
    options = [
        {"text": {"type": "plain_text", "text": name}, "value": name.lower()}
        for name in ("Low", "High")
    ]
    picker = {"type": "static_select", "action_id": "severity", "options": options}
    posted = slack_client.chat_postMessage(
        channel=GENERAL, text="pick", blocks=[{"type": "actions", "elements": [picker]}]
    )

    sim.select(
        {"channel": GENERAL, "ts": posted["ts"]},
        user=MARIA,
        action_id="severity",
        option_value="high",
    )
    (action,) = stub.payload()["actions"]
    assert action["type"] == "static_select" and action["selected_option"] == options[1]
    with pytest.raises(AssertionError, match="'low'"):
        sim.select(
            {"channel": GENERAL, "ts": posted["ts"]},
            user=MARIA,
            action_id="severity",
            option_value="x",
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
        _input("owner", "Owner", {"type": "users_select", "initial_user": SAM}),
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
    fake_slack: FakeSlack, slack_client: WebClient, sim: SlackSim, stub: BotStub
) -> None:
    view = slack_client.views_open(trigger_id=fake_slack.new_trigger_id(), view=EVERY_INPUT)["view"]
    assert [i["label"] for i in inputs(view)][:3] == ["Summary", "Severity", "Tags"]

    sim.submit(
        view,
        user=MARIA,
        values={
            "Summary": "Pricing outage",  # by label
            "severity": "high",  # by block_id
            "tags": ["a", "b"],
            "team": [MARIA, LI],
            "where": GENERAL,
            "checks": ["y"],
        },
    )
    payload = stub.payload()
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
        "owner": {"type": "users_select", "selected_user": SAM},
        "team": {"type": "multi_users_select", "selected_users": [MARIA, LI]},
        "where": {"type": "conversations_select", "selected_conversation": GENERAL},
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
        ({"summary": "ok", "severity": "low", "tags": ["a"], "where": GENERAL}, "'Checks'"),
    ],
)
def test_submit_refuses_what_slack_would_refuse(
    fake_slack: FakeSlack, slack_client: WebClient, sim: SlackSim, values: dict, complaint: str
) -> None:
    view = slack_client.views_open(trigger_id=fake_slack.new_trigger_id(), view=EVERY_INPUT)["view"]
    with pytest.raises(AssertionError, match=complaint):
        sim.submit(view, user=MARIA, values=values)


def test_submit_applies_response_action_update(
    fake_slack: FakeSlack, slack_client: WebClient, sim: SlackSim, stub: BotStub
) -> None:
    view = slack_client.views_open(trigger_id=fake_slack.new_trigger_id(), view=EVERY_INPUT)["view"]
    done = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Done"},
        "blocks": ACK_BLOCKS[:1],
    }
    stub.reply = (200, json.dumps({"response_action": "update", "view": done}))

    values = {"summary": "s", "severity": "low", "tags": ["a"], "where": GENERAL, "checks": ["x"]}
    reply = sim.submit(view, user=MARIA, values=values)
    assert reply.json["response_action"] == "update"
    assert "Escalation" in all_text(fake_slack.view(view["id"]))


def test_events_envelope_and_home_opened(
    fake_slack: FakeSlack, sim: SlackSim, stub: BotStub
) -> None:
    sim.event({"type": "app_mention", "user": MARIA, "text": "<@UBOT> hi", "channel": GENERAL})
    sim.home_opened(MARIA)
    (h1, b1), (h2, b2) = stub.requests

    first, second = json.loads(b1), json.loads(b2)
    assert h1["content-type"] == "application/json"
    assert first["type"] == "event_callback" and first["team_id"] == "T0001"
    assert first["event"]["type"] == "app_mention" and first["event"]["event_ts"]
    assert (
        first["authorizations"][0]["user_id"] == "UBOT" and first["event_id"] != second["event_id"]
    )
    assert second["event"] | {"event_ts": ""} == {
        "type": "app_home_opened",
        "user": MARIA,
        "channel": "D" + MARIA,
        "tab": "home",
        "event_ts": "",
    }
    assert SignatureVerifier(SECRET).is_valid_request(b2, h2)


def test_act_uses_one_element_by_its_ids(
    fake_slack: FakeSlack, slack_client: WebClient, sim: SlackSim, stub: BotStub
) -> None:
    """What the playground's page sends: the element a person used, by block and action id."""
    posted = slack_client.chat_postMessage(channel=GENERAL, text="Escalation", blocks=ACK_BLOCKS)
    message = {"channel": GENERAL, "ts": posted["ts"]}
    sim.act(message, user=LI, block_id="decide", action_id="ack")
    (action,) = stub.payload()["actions"]
    assert (action["type"], action["value"], action["style"]) == ("button", "42", "primary")
    assert stub.payload()["user"]["id"] == LI

    view = slack_client.views_open(trigger_id=fake_slack.new_trigger_id(user=LI), view=EVERY_INPUT)[
        "view"
    ]
    sim.act(view, user=LI, block_id="severity", action_id="severity_input", value="high",
            values={"summary": "typed so far"})  # fmt: skip
    payload = stub.payload()
    (action,) = payload["actions"]
    assert action["selected_option"]["value"] == "high"
    assert payload["view"]["state"]["values"]["summary"]["summary_input"]["value"] == "typed so far"
    assert payload["container"] == {"type": "view", "view_id": view["id"]}
    with pytest.raises(LookupError, match="nope"):
        sim.act(view, user=LI, block_id="severity", action_id="nope")
