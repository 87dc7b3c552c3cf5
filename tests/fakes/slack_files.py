"""Slack's external file upload in the fake: files.getUploadURLExternal, the POST of the bytes
to the upload URL, files.completeUploadExternal.

Argument shapes and error codes follow Slack's method reference: `filename` and an integer
`length` are required (a length of 0 is `missing_argument`); `files` is a JSON array of
{"id", "title"} objects; `channel_id` shares the file (a message with the file and the
`initial_comment`), without it the file stays private. Completing a file that was never
uploaded, or is unknown, answers `file_not_found`.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeFile:
    """One file of the external upload protocol."""

    id: str
    filename: str
    length: int
    content: bytes | None = None  # set once the bytes were posted to the upload URL
    title: str | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    completed: bool = False

    def public(self) -> dict[str, Any]:
        """The file object Slack returns."""
        return {
            "id": self.id,
            "name": self.filename,
            "title": self.title or self.filename,
            "size": len(self.content or b""),
            "channels": list(self.channels),
        }


def get_upload_url(files: dict[str, FakeFile], params: dict, *, new_id: str, base: str) -> dict:
    """files.getUploadURLExternal: a file id and where to post its bytes."""
    filename = params.get("filename")
    length = params.get("length")
    if not filename or length in (None, ""):
        return {"ok": False, "error": "invalid_arguments"}
    try:
        size = int(length)
    except (TypeError, ValueError):
        return {"ok": False, "error": "invalid_arguments"}
    if size <= 0:
        return {"ok": False, "error": "missing_argument"}
    files[new_id] = FakeFile(new_id, str(filename), size)
    return {"ok": True, "upload_url": f"{base}/upload/v1/{new_id}", "file_id": new_id}


def receive_upload(
    files: dict[str, FakeFile], file_id: str, raw: bytes, content_type: str
) -> tuple[int, str]:
    """The POST to an upload URL: raw bytes or a multipart form; (HTTP status, body)."""
    known = files.get(file_id)
    if known is None:
        return 404, "Not Found"
    if content_type.lower().startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
        )
        parts = [
            p
            for p in message.iter_parts()
            if p.get_filename() or p.get_param("name", header="content-disposition") == "file"
        ]
        raw = parts[0].get_payload(decode=True) if parts else b""
    known.content = raw
    return 200, f"OK - {len(raw)}"


def complete_upload(
    files: dict[str, FakeFile], params: dict, *, postable: Any
) -> tuple[dict, list[FakeFile], str | None]:
    """files.completeUploadExternal: (answer, the files completed, the channel shared in).

    `postable(channel_id)` resolves a channel as chat.postMessage would: (channel, error).
    """
    wanted = params.get("files")
    if (
        not isinstance(wanted, list)
        or not wanted
        or not all(isinstance(f, dict) and f.get("id") for f in wanted)
    ):
        return {"ok": False, "error": "invalid_arguments"}, [], None
    found = [files.get(str(f["id"])) for f in wanted]
    if any(f is None or f.content is None for f in found):
        return {"ok": False, "error": "file_not_found"}, [], None
    channel = None
    if params.get("channel_id"):
        channel, error = postable(str(params["channel_id"]))
        if error:
            return error, [], None
    done = []
    for request, item in zip(wanted, found, strict=True):
        assert item is not None
        item.title = request.get("title") or item.filename
        item.initial_comment = params.get("initial_comment")
        item.completed = True
        if channel:
            item.channels.append(channel)
        done.append(item)
    return {"ok": True, "files": [f.public() for f in done]}, done, channel
