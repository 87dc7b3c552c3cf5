"""The fake's external file upload behaves as Slack's reference describes."""

from __future__ import annotations

from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.cast import GENERAL, MARIA
from tests.conftest import BOT_TOKEN


@pytest.fixture
def client(fake_slack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake_slack.url)


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def test_files_upload_v2_runs_the_three_steps_and_shares_the_file(fake_slack, client):
    dm = client.conversations_open(users=MARIA)["channel"]["id"]
    answer = client.files_upload_v2(
        channel=dm,
        content=b"a,b\r\n1,2\r\n",
        filename="x.csv",
        title="X",
        initial_comment="Here it is",
    )

    (shared,) = fake_slack.uploaded_files(channel=dm)
    assert (shared.filename, shared.title, shared.length, shared.content) == (
        "x.csv",
        "X",
        10,
        b"a,b\r\n1,2\r\n",
    )
    assert answer["file"]["id"] == shared.id
    assert [c.method for c in fake_slack.calls][-2:] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    (message,) = fake_slack.dms(MARIA)
    assert message["text"] == "Here it is" and message["files"][0]["id"] == shared.id


def test_arguments_are_checked(fake_slack, client):
    assert error_of(lambda: client.files_getUploadURLExternal(filename="x.csv", length=0)) == (
        "missing_argument"
    )
    assert (
        error_of(lambda: client.api_call("files.getUploadURLExternal", params={"length": 3}))
        == "invalid_arguments"
    )
    assert error_of(lambda: client.files_completeUploadExternal(files=[{"title": "no id"}])) == (
        "invalid_arguments"
    )


def test_completing_before_the_bytes_arrive_or_an_unknown_file_fails(fake_slack, client):
    started = client.files_getUploadURLExternal(filename="x.csv", length=3)
    early = lambda: client.files_completeUploadExternal(files=[{"id": started["file_id"]}])  # noqa: E731
    assert error_of(early) == "file_not_found"
    unknown = lambda: client.files_completeUploadExternal(files=[{"id": "F404"}])  # noqa: E731
    assert error_of(unknown) == "file_not_found"


def test_a_multipart_upload_is_read_and_a_file_without_channel_stays_private(fake_slack, client):
    started = client.files_getUploadURLExternal(filename="x.md", length=5)
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="x.md"\r\n'
        b"Content-Type: text/markdown\r\n\r\nhello\r\n--B--\r\n"
    )
    request = Request(
        started["upload_url"],
        data=body,
        method="POST",
        headers={"Content-Type": "multipart/form-data; boundary=B"},
    )
    with urlopen(request) as response:
        assert (response.status, response.read()) == (200, b"OK - 5")

    done = client.files_completeUploadExternal(files=[{"id": started["file_id"], "title": "T"}])
    assert done["files"][0]["channels"] == []
    assert fake_slack.uploaded_files()[0].content == b"hello"
    assert fake_slack.messages(GENERAL) == []


def test_sharing_in_an_unknown_or_archived_channel_fails(fake_slack, client):
    fake_slack.add_channel("COLD", name="old", is_archived=True)
    started = client.files_getUploadURLExternal(filename="x.csv", length=1)
    urlopen(Request(started["upload_url"], data=b"x", method="POST")).close()
    files = [{"id": started["file_id"]}]
    assert error_of(
        lambda: client.files_completeUploadExternal(files=files, channel_id="COLD")
    ) == ("is_archived")
