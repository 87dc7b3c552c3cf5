"""The fake Slack Web API (slackfake/), driven through the real slack_sdk WebClient."""

from __future__ import annotations

import json
import threading
import time
from urllib.error import URLError
from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from slackfake import FakeSlack
from slackfake.forms import all_text, buttons
from tests import cast
from tests.cast import ADMIN, GENERAL, HELPER_BOT, LI, MARIA, SAM
from tests.conftest import BOT_TOKEN

# Channels of this file's own directory scenario, beside the cast's.
OPS, OLD, SECRET = "C0OPS", "C0OLD", "C0SECRET"

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


def test_post_message_round_trip(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    parent = slack_client.chat_postMessage(
        channel=GENERAL, text="Escalation raised", blocks=ACK_BLOCKS
    )
    reply = slack_client.chat_postMessage(channel=GENERAL, text="details", thread_ts=parent["ts"])

    assert parent["ok"] and parent["channel"] == GENERAL
    assert parent["ts"] == "1700000000.000100"
    assert float(reply["ts"]) > float(parent["ts"])
    assert parent["message"]["user"] == "UBOT" and parent["message"]["bot_id"] == "BBOT"
    assert "thread_ts" not in parent["message"]
    assert reply["message"]["thread_ts"] == parent["ts"]
    first, second = fake_slack.messages(GENERAL)
    assert (first["ts"], first["thread_ts"], first["text"]) == (
        parent["ts"],
        None,
        "Escalation raised",
    )
    assert second["thread_ts"] == parent["ts"] and fake_slack.replies(GENERAL, parent["ts"]) == [
        second
    ]
    # Slack fills in the block_id / action_id the app left out.
    assert all(b["block_id"] for b in first["blocks"])
    assert [b["text"] for b in buttons(first["blocks"])] == ["Acknowledge", "Hand off"]
    assert buttons(first["blocks"])[1]["action_id"]
    assert "*Escalation* raised by <@U1>" in all_text(first)

    slack_client.chat_update(channel=GENERAL, ts=parent["ts"], text="Acknowledged", blocks=[])
    (updated, _) = fake_slack.messages(GENERAL)
    assert (updated["text"], updated["blocks"], updated["ts"]) == ("Acknowledged", [], parent["ts"])
    assert all_text(updated) == "Acknowledged"


def test_slack_sdk_sends_json_for_chat_and_form_for_lookups(
    fake_slack: FakeSlack, slack_client: WebClient
) -> None:
    slack_client.chat_postMessage(channel=GENERAL, text="hi", blocks=ACK_BLOCKS)
    slack_client.users_info(user=MARIA)
    slack_client.api_call(
        "chat.postMessage", params={"channel": GENERAL, "blocks": json.dumps(ACK_BLOCKS)}
    )

    posted, lookup, form_post = fake_slack.calls
    assert posted.headers["content-type"] == "application/json;charset=utf-8"
    assert posted.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert lookup.headers["content-type"] == "application/x-www-form-urlencoded"
    assert lookup.params == {"user": MARIA}
    assert form_post.params["blocks"][0]["type"] == "section"  # JSON string decoded
    request = Request(
        f"{fake_slack.url}users.info?user={MARIA}", headers={"Authorization": "Bearer xoxb-t"}
    )
    with urlopen(request) as response:
        assert json.load(response)["user"]["name"] == "maria"


def test_users_info_known_and_unknown(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    cast.add(fake_slack, ADMIN, tz="Europe/Lisbon")

    user = slack_client.users_info(user=ADMIN)["user"]
    assert (user["id"], user["name"], user["real_name"], user["tz"]) == (
        ADMIN,
        "ada",
        "Ada Admin",
        "Europe/Lisbon",
    )
    assert user["is_admin"] and not user["is_bot"] and user["profile"]["display_name"] == "ada"
    assert slack_client.users_info(user=HELPER_BOT)["user"]["is_bot"]
    with pytest.raises(SlackApiError) as failure:
        slack_client.users_info(user="UNOBODY")
    assert failure.value.response["error"] == "user_not_found"


def test_channels_dms_and_directory(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    fake_slack.add_channel(OPS, name="ops", members=[MARIA, LI, SAM])
    fake_slack.add_channel(OLD, name="old", is_archived=True)
    fake_slack.add_channel(SECRET, name="secret", is_private=True, is_member=False)

    assert slack_client.conversations_info(channel=OPS)["channel"]["name"] == "ops"
    first = slack_client.conversations_members(channel=OPS, limit=2)
    rest = slack_client.conversations_members(
        channel=OPS, cursor=first["response_metadata"]["next_cursor"]
    )
    assert first["members"] + rest["members"] == [MARIA, LI, SAM]
    assert rest["response_metadata"]["next_cursor"] == ""
    for channel, error in [(OLD, "is_archived"), (SECRET, "not_in_channel")]:
        with pytest.raises(SlackApiError, match=error):
            slack_client.chat_postMessage(channel=channel, text="hi")
    with pytest.raises(SlackApiError, match="channel_not_found"):
        slack_client.conversations_info(channel="C404")
    assert slack_client.chat_postMessage(channel="C0UNKNOWN", text="lenient")["ok"]

    dm = slack_client.conversations_open(users=MARIA)["channel"]["id"]
    slack_client.chat_postMessage(channel=dm, text="via open")
    assert (
        slack_client.chat_postMessage(channel=MARIA, text="via user id")["channel"] == "D" + MARIA
    )
    assert [m["text"] for m in fake_slack.dms(MARIA)] == ["via open", "via user id"]
    slack_client.chat_postEphemeral(channel=OPS, user=LI, text="only you")
    assert [e["text"] for e in fake_slack.ephemerals(LI)] == ["only you"]


def test_auth_and_unknown_method(fake_slack: FakeSlack) -> None:
    for token, error in [(None, "not_authed"), ("bogus", "invalid_auth")]:
        with pytest.raises(SlackApiError, match=error):
            WebClient(token=token, base_url=fake_slack.url).auth_test()
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    assert client.auth_test()["user_id"] == "UBOT"
    with pytest.raises(SlackApiError, match="unknown_method"):
        client.api_call("nope.nothing")


def test_rate_limit_sends_retry_after(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    fake_slack.fail("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as failure:
        slack_client.chat_postMessage(channel=GENERAL, text="hi")
    assert failure.value.response.status_code == 429
    assert failure.value.response.headers["Retry-After"] == "7"
    assert failure.value.response["error"] == "ratelimited"
    assert slack_client.chat_postMessage(channel=GENERAL, text="again")["ok"]  # times=1
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429, 200]
    assert [m["text"] for m in fake_slack.messages()] == ["again"]


def test_rate_limit_retry_handler_honours_retry_after(
    fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(builtin_handlers.time, "sleep", slept.append)
    client = WebClient(
        token="xoxb-test",
        base_url=fake_slack.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake_slack.fail("chat.postMessage", retry_after=3)

    assert client.chat_postMessage(channel=GENERAL, text="hi")["ok"]
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429, 200]
    assert len(slept) == 1 and 3 <= slept[0] < 4


def test_server_error_and_injected_error(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    fake_slack.fail("chat.postMessage", status=500)
    fake_slack.fail("users.info", error="user_not_visible", times=2)

    with pytest.raises(SlackApiError) as failure:
        slack_client.chat_postMessage(channel=GENERAL, text="hi")
    assert failure.value.response.status_code == 500
    for _ in range(2):
        with pytest.raises(SlackApiError, match="user_not_visible"):
            slack_client.users_info(user="UBOT")
    assert slack_client.users_info(user="UBOT")["ok"]
    assert [(c.status, c.error) for c in fake_slack.calls] == [
        (500, "internal_error"),
        (200, "user_not_visible"),
        (200, "user_not_visible"),
        (200, None),
    ]


def test_hang_makes_the_client_time_out(fake_slack: FakeSlack) -> None:
    fake_slack.hang("chat.postMessage", seconds=3)
    client = WebClient(token="xoxb-test", base_url=fake_slack.url, timeout=1)

    started = time.monotonic()
    with pytest.raises((TimeoutError, URLError)):
        client.chat_postMessage(channel=GENERAL, text="hi")
    assert 0.9 < time.monotonic() - started < 2.5
    fake_slack.reset()  # releases the hanging request without recording it
    assert fake_slack.calls == []


def test_views_open_publish_update(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "escalate",
        "title": {"type": "plain_text", "text": "Escalate"},
        "private_metadata": "wf-7",
        "blocks": ACK_BLOCKS[:1],
    }
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        slack_client.views_open(trigger_id=None, view=modal)
    trigger = fake_slack.new_trigger_id()
    view = slack_client.views_open(trigger_id=trigger, view=modal)["view"]
    assert view["id"].startswith("V") and view["hash"] and view["root_view_id"] == view["id"]
    assert (view["callback_id"], view["private_metadata"]) == ("escalate", "wf-7")
    assert view["state"] == {"values": {}} and fake_slack.views[view["id"]] == view
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        slack_client.views_open(trigger_id=trigger, view=modal)
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        slack_client.views_open(trigger_id="1.2.3", view={**modal, "title": {"text": "x" * 25}})

    updated = slack_client.views_update(
        view_id=view["id"], view={**modal, "private_metadata": "wf-8"}
    )
    assert updated["view"]["private_metadata"] == "wf-8" and updated["view"]["hash"] != view["hash"]
    with pytest.raises(SlackApiError, match="not_found"):
        slack_client.views_update(view_id="VNOPE", view=modal)
    home = {"type": "home", "blocks": ACK_BLOCKS}
    published = slack_client.views_publish(user_id=MARIA, view=home)["view"]
    assert fake_slack.home(MARIA) == published and fake_slack.home(LI) is None


def test_response_url_posts_are_recorded(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    posted = slack_client.chat_postMessage(channel=GENERAL, text="vote", blocks=ACK_BLOCKS)
    url = fake_slack.response_url("abc")
    bound = fake_slack.response_url(channel=GENERAL, user=MARIA, message_ts=posted["ts"])

    assert WebhookClient(url).send(text="done").status_code == 200
    WebhookClient(bound).send(text="Thanks, recorded", replace_original=True)
    assert fake_slack.wait_for_responses(count=2) == [
        {"text": "done"},
        {"text": "Thanks, recorded", "replace_original": True},
    ]
    assert fake_slack.responses("abc") == [{"text": "done"}]
    assert fake_slack.responses(bound) == [{"text": "Thanks, recorded", "replace_original": True}]
    assert fake_slack.messages(GENERAL)[0]["text"] == "Thanks, recorded"
    assert fake_slack.messages(GENERAL)[0]["blocks"] == []


def test_wait_for_sees_background_calls(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    timer = threading.Timer(
        0.05, lambda: slack_client.chat_postMessage(channel=GENERAL, text="late")
    )
    timer.start()

    (call,) = fake_slack.wait_for("chat.postMessage", timeout=2)
    assert call.params["text"] == "late"
    assert fake_slack.wait_for(lambda: len(fake_slack.messages()) == 1, timeout=1)


def test_wait_for_timeout_lists_calls_seen(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    slack_client.chat_postMessage(channel=GENERAL, text="only this")

    with pytest.raises(AssertionError) as failure:
        fake_slack.wait_for("chat.update", timeout=0.1)
    report = str(failure.value)
    assert "Timed out after 0.1s waiting for chat.update" in report
    assert "chat.postMessage -> 200 ok" in report and "only this" in report
    with pytest.raises(AssertionError, match="response_url post"):
        fake_slack.wait_for_responses(timeout=0.1)
