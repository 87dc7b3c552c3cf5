"""The fake's canvases answer as Slack's reference says (so the bot's use of them is tested)."""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackfake import FakeSlack

DOC = {"type": "markdown", "markdown": "# Map\n\n- owner"}


@pytest.fixture
def fake(fake_slack_server: FakeSlack) -> FakeSlack:
    fake_slack_server.reset()
    fake_slack_server.add_channel("CGOV", name="gov")
    fake_slack_server.add_channel("COUT", name="out", is_member=False)
    fake_slack_server.add_channel("COLD", name="old", is_archived=True)
    return fake_slack_server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def test_a_channel_canvas_is_made_once_and_shown_by_conversations_info(fake, client):
    made = client.conversations_canvases_create(channel_id="CGOV", document_content=DOC)
    canvas_id = made["canvas_id"]
    assert canvas_id.startswith("F")
    info = client.conversations_info(channel="CGOV")["channel"]["properties"]["canvas"]
    assert info["file_id"] == canvas_id and info["is_empty"] is False
    assert fake.channel_canvas("CGOV")["markdown"] == DOC["markdown"]
    assert "properties" in client.conversations_info(channel="COUT")["channel"]
    assert "canvas" not in client.conversations_info(channel="COUT")["channel"]["properties"]
    second = lambda: client.conversations_canvases_create(channel_id="CGOV", document_content=DOC)  # noqa: E731
    assert error_of(second) == "channel_canvas_already_exists"
    assert len(fake.all_canvases()) == 1


def test_create_checks_its_arguments_and_the_channel(fake, client):
    call = lambda **kw: client.api_call("conversations.canvases.create", json=kw)  # noqa: E731
    assert error_of(lambda: call(document_content=DOC)) == "invalid_arguments"
    assert error_of(lambda: call(channel_id="COUT")) == "not_in_channel"
    assert error_of(lambda: call(channel_id="COLD")) == "is_archived"
    wrong = {"type": "rich_text", "markdown": "x"}
    assert error_of(lambda: call(channel_id="CGOV", document_content=wrong)) == "invalid_arguments"
    huge = {"type": "markdown", "markdown": "x" * 1_048_577}
    assert error_of(lambda: call(channel_id="CGOV", document_content=huge)) == "invalid_arguments"
    # Empty is allowed: the canvas exists but is empty.
    call(channel_id="CGOV")
    assert client.conversations_info(channel="CGOV")["channel"]["properties"]["canvas"]["is_empty"]


def test_form_encoded_arguments_are_read_as_json(fake, client):
    made = client.api_call(
        "conversations.canvases.create",
        data={"channel_id": "CGOV", "document_content": json.dumps(DOC)},
    )
    client.api_call(
        "canvases.edit",
        data={"canvas_id": made["canvas_id"], "changes": json.dumps([
            {"operation": "insert_at_end", "document_content": {"type": "markdown",
                                                                 "markdown": "\nmore"}}])},
    )  # fmt: skip
    assert fake.channel_canvas("CGOV")["markdown"] == DOC["markdown"] + "\nmore"


def test_edit_replaces_inserts_and_refuses_what_it_cannot_do(fake, client):
    canvas_id = client.conversations_canvases_create(channel_id="CGOV", document_content=DOC)[
        "canvas_id"
    ]

    def edit(*changes):
        return client.canvases_edit(canvas_id=canvas_id, changes=list(changes))

    new = {"type": "markdown", "markdown": "# New"}
    edit({"operation": "replace", "document_content": new})
    edit({"operation": "insert_at_start", "document_content": {"type": "markdown",
                                                               "markdown": "top\n"}})  # fmt: skip
    assert fake.canvas(canvas_id)["markdown"] == "top\n# New"
    assert fake.canvas(canvas_id)["edits"] == 2
    edit({"operation": "rename", "title_content": {"type": "markdown", "markdown": "T"}})
    assert fake.canvas(canvas_id)["title"] == "T"
    # Slack applies one operation per call: a rename beside a replace is refused whole.
    rename = {"operation": "rename", "title_content": {"type": "markdown", "markdown": "U"}}
    both = lambda: edit({"operation": "replace", "document_content": new}, rename)  # noqa: E731
    assert error_of(both) == "invalid_arguments"
    assert fake.canvas(canvas_id)["title"] == "T"
    assert error_of(lambda: edit({"operation": "rename"})) == "invalid_arguments"
    with_section = {"operation": "replace", "section_id": "temp:C:AAA", "document_content": new}
    assert error_of(lambda: edit(with_section)) == "canvas_editing_failed"
    assert error_of(lambda: edit({"operation": "shuffle"})) == "invalid_arguments"
    assert error_of(lambda: edit({"operation": "replace"})) == "invalid_arguments"
    assert error_of(lambda: client.canvases_edit(canvas_id=canvas_id, changes=[])) == (
        "invalid_arguments"
    )
    gone = lambda: client.canvases_edit(canvas_id="FNOPE", changes=[  # noqa: E731
        {"operation": "replace", "document_content": new}])  # fmt: skip
    assert error_of(gone) == "canvas_not_found"
    assert fake.canvas(canvas_id)["markdown"] == "top\n# New"  # refused edits change nothing


def test_a_standalone_canvas_may_be_tabbed_in_a_channel(fake, client):
    made = client.api_call("canvases.create", json={"title": "Log", "document_content": DOC,
                                                    "channel_id": "CGOV"})  # fmt: skip
    canvas = fake.canvas(made["canvas_id"])
    assert (canvas["title"], canvas["channel"], canvas["tabs"]) == ("Log", None, ["CGOV"])
    properties = client.conversations_info(channel="CGOV")["channel"]["properties"]
    assert properties["tabs"][0]["data"]["file_id"] == made["canvas_id"]
    assert "canvas" not in properties  # a tab is not the channel canvas


@pytest.mark.parametrize(
    "refusal",
    ["team_tier_cannot_create_channel_canvases", "canvas_tab_creation_failed", "restricted_action"],
)
def test_a_workspace_can_refuse_canvases(fake, client, refusal):
    canvas_id = client.conversations_canvases_create(channel_id="CGOV", document_content=DOC)[
        "canvas_id"
    ]
    fake.refuse_canvases(refusal)
    create = lambda: client.conversations_canvases_create(  # noqa: E731
        channel_id="CGOV", document_content=DOC)  # fmt: skip
    assert error_of(create) == refusal
    assert error_of(lambda: client.api_call("canvases.create", json={})) == refusal
    replace = {"operation": "replace", "document_content": DOC}
    assert error_of(lambda: client.canvases_edit(canvas_id=canvas_id, changes=[replace])) == (
        refusal
    )
    fake.refuse_canvases(None)
    client.canvases_edit(canvas_id=canvas_id, changes=[replace])
    fake.reset()
    assert fake.all_canvases() == []


def test_canvases_survive_a_snapshot(fake, client):
    made = client.conversations_canvases_create(channel_id="CGOV", document_content=DOC)
    saved = json.loads(json.dumps(fake.snapshot()))
    fresh = FakeSlack().start()
    try:
        fresh.restore(saved)
        assert fresh.channel_canvas("CGOV")["id"] == made["canvas_id"]
        again = WebClient(token="xoxb-t", base_url=fresh.url)
        assert error_of(
            lambda: again.conversations_canvases_create(channel_id="CGOV", document_content=DOC)
        ) == ("channel_canvas_already_exists")
    finally:
        fresh.stop()
