"""Uploading a file to Slack: the external upload (a URL, the bytes, then completion)."""

from __future__ import annotations

from slack_sdk import WebClient


def upload_to_dm(
    client: WebClient, *, user_id: str, filename: str, content: bytes, title: str, comment: str
) -> str:
    """Share a file in the bot's DM with a person; the file's id.

    files_upload_v2 runs Slack's protocol: files.getUploadURLExternal, a POST of the bytes to
    the URL it gives, files.completeUploadExternal with the DM's channel id.
    """
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    response = client.files_upload_v2(
        channel=channel, content=content, filename=filename, title=title, initial_comment=comment
    )
    return str(response["file"]["id"])
