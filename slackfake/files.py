"""files.*: the external upload, checked the way Slack checks it.

Ask for an upload URL with the file's name and exact length (files.getUploadURLExternal), POST
the bytes to that URL (once, exactly that many; raw or as a multipart `file` field), then
complete the upload naming the file ids as JSON (files.completeUploadExternal), which shares
the files in a channel as one message. A file completed before its bytes arrived, an unknown id,
a length that does not match, a second upload or a second completion are refused with
Slack-style errors.
"""

from __future__ import annotations

import copy
import json
import string
from dataclasses import dataclass

from slackfake.chat import Chat
from slackfake.state import err, invalid

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
    """A file shared by files.completeUploadExternal (`channel` None: not shared anywhere)."""

    file_id: str
    channel: str | None
    title: str
    filename: str
    content: bytes
    alt_txt: str | None
    initial_comment: str | None
    thread_ts: str | None
    message_ts: str | None = None


class Files(Chat):
    """Uploads: shared files are posted as messages, so this surface builds on chat."""

    def _clear_files(self) -> None:
        self._uploads: dict[str, Pending] = {}
        self._shared: list[Shared] = []
        # The next N POSTs to an upload URL get HTTP 500 (the upload itself fails).
        self.refuse_uploads = 0

    @property
    def shared_files(self) -> list[Shared]:
        """Every file completed so far, oldest first."""
        with self._cond:
            return copy.deepcopy(self._shared)

    def upload(self, file_id: str) -> Pending | None:
        """A file an upload URL was issued for, with the bytes it got (if any)."""
        with self._cond:
            return copy.deepcopy(self._uploads.get(file_id))

    def _files_get_upload_url_external(self, params: dict) -> dict:
        filename = str(params.get("filename") or "")
        try:
            length = int(str(params.get("length", "")))
        except ValueError:
            length = -1
        if not filename:
            return invalid("invalid_arguments", ["[ERROR] missing required field: filename"])
        if length <= 0 or length > MAX_LENGTH:
            return invalid("invalid_arguments", ["[ERROR] length must be a number of bytes > 0"])
        file_id = "F" + self._rand(10, string.ascii_uppercase + string.digits)
        key = self._rand(24)
        self._uploads[file_id] = Pending(file_id, filename, length, params.get("alt_txt"), key)
        return {"ok": True, "upload_url": f"{self.base}{UPLOAD_PATH}{key}", "file_id": file_id}

    def _files_complete_upload_external(self, params: dict) -> dict:
        files = params.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                return err("invalid_arguments")
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
            return invalid("invalid_arguments", ["[ERROR] files must be a JSON array of {id}"])
        found = []
        for entry in files:
            pending = self._uploads.get(str(entry.get("id") or ""))
            # Unknown, already completed, or completed before its bytes were uploaded.
            if pending is None or pending.completed or pending.content is None:
                return err("file_not_found")
            found.append((pending, str(entry.get("title") or pending.filename)))
        channel = params.get("channel_id") or None
        if channel is not None:
            channel, error = self._postable_channel({"channel": channel})
            if error:
                return error
        comment, thread = params.get("initial_comment") or None, params.get("thread_ts") or None
        shares = [
            Shared(
                p.file_id, channel, title, p.filename, p.content or b"", p.alt_txt, comment, thread
            )
            for p, title in found
        ]
        for pending, _ in found:
            pending.completed = True
        if channel is not None:
            message = self._store_message(channel, {"text": comment or ""}, thread)
            message["files"] = [_file(s) for s in shares]
            for share in shares:
                share.message_ts = message["ts"]
        self._shared.extend(shares)
        return {"ok": True, "files": [{"id": s.file_id, "title": s.title} for s in shares]}

    def _serve_upload(self, key: str, raw: bytes, headers: dict) -> tuple[int, str | dict]:
        """A POST of the file's bytes to its upload URL (no token: the URL is the secret)."""
        with self._cond:
            pending = next((p for p in self._uploads.values() if p.key == key), None)
            if pending is None or pending.completed or pending.content is not None:
                return 404, err("invalid_upload_url")
            if self.refuse_uploads > 0:
                self.refuse_uploads -= 1
                return 500, err("upload_failed")
            content = _multipart_file(raw, headers.get("content-type", "")) or raw
            if len(content) != pending.length:
                return 400, err("invalid_upload_length")
            pending.content = content
            self._cond.notify_all()
        return 200, f"OK - {len(content)}"


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
