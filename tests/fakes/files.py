"""The fake's file uploads: files.getUploadURLExternal, the URL, files.completeUploadExternal.

Slack's protocol, checked the way Slack checks it: ask for an upload URL with the file's name
and exact length, POST the bytes to that URL (once, exactly that many), then complete the
upload naming the file ids (JSON), which shares the files in a channel as one message. A file
completed before its bytes arrived, an unknown id, a length that does not match or a second
completion are refused with Slack-style errors. (To move into tests/fakes/slack/ as `files`.)
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.slack_api import FakeSlack

UPLOAD_PATH = "/upload/v1/"
MAX_LENGTH = 1024 * 1024 * 1024


@dataclass
class Pending:
    """A file Slack issued an upload URL for."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    key: str
    content: bytes | None = None
    completed: bool = False


@dataclass
class Shared:
    """A file shared in a channel by files.completeUploadExternal."""

    file_id: str
    channel: str | None
    title: str
    filename: str
    content: bytes
    alt_txt: str | None
    initial_comment: str | None
    thread_ts: str | None
    message_ts: str | None = None


@dataclass
class FakeFiles:
    """Upload state of the fake workspace (the owning FakeSlack's lock guards it)."""

    fake: FakeSlack
    pending: dict[str, Pending] = field(default_factory=dict)
    shared: list[Shared] = field(default_factory=list)
    refuse_uploads: int = 0  # the next N POSTs to an upload URL get HTTP 500

    def reset(self) -> None:
        """Forget every upload."""
        self.pending, self.shared, self.refuse_uploads = {}, [], 0

    # ----- Web API methods (called with the fake's lock held) ----------------------------------

    def get_upload_url(self, params: dict) -> dict:
        """files.getUploadURLExternal: a one-time URL for exactly `length` bytes."""
        filename = str(params.get("filename") or "")
        try:
            length = int(str(params.get("length", "")))
        except ValueError:
            length = -1
        if not filename:
            return _invalid("[ERROR] missing required field: filename")
        if length <= 0 or length > MAX_LENGTH:
            return _invalid("[ERROR] length must be a positive number of bytes")
        file_id = "F" + self.fake._rand(10, string.ascii_uppercase + string.digits)
        key = self.fake._rand(24)
        alt = params.get("alt_txt") or None
        self.pending[file_id] = Pending(file_id, filename, length, alt, key)
        url = f"{self.fake.base}{UPLOAD_PATH}{key}"
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def complete_upload(self, params: dict) -> dict:
        """files.completeUploadExternal: share the uploaded files in a channel (or keep them)."""
        files = params.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
            return _invalid("[ERROR] files must be a non-empty JSON array of {id, title}")
        found = []
        for entry in files:
            pending = self.pending.get(str(entry.get("id") or ""))
            if pending is None or pending.completed:
                return {"ok": False, "error": "file_not_found"}
            if pending.content is None:  # completed before its bytes were uploaded
                return {"ok": False, "error": "file_not_found"}
            found.append((pending, str(entry.get("title") or pending.filename)))
        channel = params.get("channel_id") or None
        if channel is not None:
            channel, error = self.fake._postable_channel({"channel": channel})
            if error:
                return error
        shares = []
        for pending, title in found:
            pending.completed = True
            shares.append(Shared(pending.file_id, channel, title, pending.filename,
                                 pending.content or b"", pending.alt_txt,
                                 params.get("initial_comment") or None,
                                 params.get("thread_ts") or None))  # fmt: skip
        if channel is not None:
            message = self.fake._store_message(
                channel,
                {"text": shares[0].initial_comment or "", "files": [_file(s) for s in shares]},
                shares[0].thread_ts,
            )
            message["files"] = [_file(s) for s in shares]
            for share in shares:
                share.message_ts = message["ts"]
        self.shared.extend(shares)
        return {"ok": True, "files": [{"id": s.file_id, "title": s.title} for s in shares]}

    # ----- the upload URL -----------------------------------------------------------------------

    def serve_upload(self, key: str, raw: bytes, headers: dict) -> tuple[int, Any]:
        """A POST of the file's bytes to its upload URL: raw, or as a multipart `file` field."""
        with self.fake._cond:
            pending = next((p for p in self.pending.values() if p.key == key), None)
            if pending is None or pending.completed or pending.content is not None:
                return 404, {"ok": False, "error": "invalid_upload_url"}
            if self.refuse_uploads > 0:
                self.refuse_uploads -= 1
                return 500, {"ok": False, "error": "upload_failed"}
            content = _multipart_file(raw, headers.get("content-type", "")) or raw
            if len(content) != pending.length:
                return 400, {"ok": False, "error": "invalid_upload_length"}
            pending.content = content
            self.fake._cond.notify_all()
        return 200, f"OK - {len(content)}"


def _invalid(problem: str) -> dict:
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [problem]}}


def _file(share: Shared) -> dict:
    png = share.filename.endswith(".png")
    return {"id": share.file_id, "title": share.title, "name": share.filename,
            "mimetype": "image/png" if png else "application/octet-stream",
            "size": len(share.content)}  # fmt: skip


def _multipart_file(raw: bytes, content_type: str) -> bytes | None:
    """The `file` part of a multipart/form-data body, if it is one."""
    if not content_type.startswith("multipart/form-data") or "boundary=" not in content_type:
        return None
    boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
    for part in raw.split(b"--" + boundary):
        head, _, body = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            return body.removesuffix(b"\r\n")
    return None
