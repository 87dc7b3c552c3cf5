"""The fake checks Slack's upload protocol the way Slack does (so the bot's use of it is tested)."""

from __future__ import annotations

from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.uploads import UploadRefused, upload_file
from slackfake import FakeSlack


@pytest.fixture
def fake(fake_slack_server: FakeSlack) -> FakeSlack:
    fake_slack_server.reset()
    fake_slack_server.add_channel("CGOV", name="gov")
    fake_slack_server.add_channel("COUT", name="out", is_member=False)
    return fake_slack_server


def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


def post(url: str, data: bytes, content_type: str = "application/octet-stream") -> int:
    request = Request(url, data=data, method="POST", headers={"Content-Type": content_type})
    try:
        with urlopen(request, timeout=5) as answer:
            return answer.status
    except HTTPError as error:
        return error.code


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def test_upload_file_shares_the_bytes_in_the_channel(fake):
    file_id = upload_file(client(fake), content=b"chart", filename="c.png", title="Chart",
                          channel_id="CGOV", initial_comment="Trends")  # fmt: skip
    [shared] = fake.shared_files
    assert (shared.file_id, shared.content, shared.channel, shared.title) == (
        file_id, b"chart", "CGOV", "Chart",
    )  # fmt: skip
    [message] = fake.messages("CGOV")
    assert message["text"] == "Trends" and message["files"][0]["id"] == file_id


def test_each_refused_step_is_reported_with_slacks_reason(fake):
    fake.refuse_uploads = 1
    with pytest.raises(UploadRefused) as caught:
        upload_file(client(fake), content=b"x", filename="c.png", title="C", channel_id="CGOV")
    assert (caught.value.step, caught.value.reason) == ("upload", "HTTP 500")
    with pytest.raises(UploadRefused) as caught:
        upload_file(client(fake), content=b"x", filename="c.png", title="C", channel_id="COUT")
    assert caught.value.reason == "not_in_channel"
    with pytest.raises(UploadRefused) as caught:
        upload_file(client(fake), content=b"", filename="c.png", title="C", channel_id="CGOV")
    assert caught.value.step == "files.getUploadURLExternal"
    assert fake.shared_files == []


def test_the_fake_refuses_what_slack_refuses(fake):
    web = client(fake)
    assert error_of(lambda: web.api_call("files.getUploadURLExternal", params={"length": 3})) == (
        "invalid_arguments"
    )
    ticket = web.files_getUploadURLExternal(filename="a.png", length=3)
    # Completing before the bytes were uploaded: the file is not there.
    assert error_of(
        lambda: web.files_completeUploadExternal(files=[{"id": ticket["file_id"]}])
    ) == ("file_not_found")
    assert post(ticket["upload_url"], b"four") == 400  # not the length announced
    assert post(ticket["upload_url"], b"abc") == 200
    assert post(ticket["upload_url"], b"abc") == 404  # a one-time URL
    assert post(ticket["upload_url"] + "x", b"abc") == 404
    assert error_of(lambda: web.files_completeUploadExternal(files=[{"id": "FNOPE"}])) == (
        "file_not_found"
    )
    assert (
        error_of(lambda: web.api_call("files.completeUploadExternal", params={"files": "not json"}))
        == "invalid_arguments"
    )
    web.files_completeUploadExternal(files=[{"id": ticket["file_id"], "title": "A"}])
    assert error_of(
        lambda: web.files_completeUploadExternal(files=[{"id": ticket["file_id"]}])
    ) == ("file_not_found")  # completed once
    [shared] = fake.shared_files
    assert shared.channel is None and shared.content == b"abc"


def test_the_upload_url_also_takes_a_multipart_file(fake):
    ticket = client(fake).files_getUploadURLExternal(filename="a.txt", length=3)
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        b"abc\r\n--XyZ--\r\n"
    )
    assert post(ticket["upload_url"], body, "multipart/form-data; boundary=XyZ") == 200
    assert fake.upload(ticket["file_id"]).content == b"abc"
