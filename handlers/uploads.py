"""Uploading a file to Slack: the one place that speaks the external-upload protocol.

files.getUploadURLExternal (name and exact length) → POST the bytes to the URL it returns →
files.completeUploadExternal (the file id, shared in a channel). Any refused step raises
UploadRefused with Slack's reason, so a caller can fall back (e.g. to text).
"""

from __future__ import annotations

from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

UPLOAD_TIMEOUT_SECONDS = 30


class UploadRefused(Exception):
    """Slack refused a step of the upload; `reason` is its error code (or the HTTP status)."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step, self.reason = step, reason


def upload_file(
    client: WebClient,
    *,
    content: bytes,
    filename: str,
    title: str,
    channel_id: str | None = None,
    alt_text: str | None = None,
    initial_comment: str | None = None,
    thread_ts: str | None = None,
) -> str:
    """Upload `content` and share it in `channel_id` (None: keep it private); the file id."""
    try:
        ticket = client.files_getUploadURLExternal(
            filename=filename, length=len(content), alt_txt=alt_text
        )
    except SlackApiError as error:
        raise UploadRefused("files.getUploadURLExternal", _code(error)) from error
    request = Request(
        str(ticket["upload_url"]),
        data=content,
        method="POST",
        headers={"Content-Type": "application/octet-stream"},
    )
    try:
        with urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS, context=client.ssl) as answer:
            if answer.status != 200:
                raise UploadRefused("upload", f"HTTP {answer.status}")
    except HTTPError as error:
        raise UploadRefused("upload", f"HTTP {error.code}") from error
    except (URLError, TimeoutError) as error:
        raise UploadRefused("upload", str(getattr(error, "reason", error))) from error
    try:
        client.files_completeUploadExternal(
            files=[{"id": str(ticket["file_id"]), "title": title}],
            channel_id=channel_id,
            initial_comment=initial_comment,
            thread_ts=thread_ts,
        )
    except SlackApiError as error:
        raise UploadRefused("files.completeUploadExternal", _code(error)) from error
    return str(ticket["file_id"])


def _code(error: SlackApiError) -> str:
    return str(error.response.get("error") or f"HTTP {error.response.status_code}")
