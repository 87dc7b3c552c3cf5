"""Slack's external file upload: files.getUploadURLExternal, the POST of the bytes to the
upload URL, files.completeUploadExternal.

Argument shapes and error codes follow Slack's method reference: `filename` and an integer
`length` are required (a length of 0 is `missing_argument`); `files` is a JSON array of
{"id", "title"} objects; `channel_id` shares the file (a message carrying the file and the
`initial_comment`), without it the file stays private. Completing a file that is unknown, or
whose bytes never arrived, answers `file_not_found`.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.slack.state import Workspace, err

UPLOAD_PATH = "/upload/v1/"


@dataclass
class FakeFile:
    """One file of the external upload protocol."""

    id: str
    filename: str
    length: int  # as declared to files.getUploadURLExternal
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


class Files(Workspace):
    """Files uploaded through the external upload protocol."""

    def _clear(self) -> None:
        super()._clear()
        self._files: dict[str, FakeFile] = {}

    def uploaded_files(self, channel: str | None = None) -> list[FakeFile]:
        """Files completed through the external upload, optionally those shared in a channel."""
        with self._cond:
            done = [f for f in self._files.values() if f.completed]
            return [f for f in done if channel is None or channel in f.channels]

    def _files_get_upload_url(self, params: dict) -> dict:
        filename, length = params.get("filename"), params.get("length")
        if not filename or length in (None, ""):
            return err("invalid_arguments")
        try:
            size = int(length)
        except (TypeError, ValueError):
            return err("invalid_arguments")
        if size <= 0:
            return err("missing_argument")
        file_id = f"F{self._next():08d}"
        self._files[file_id] = FakeFile(file_id, str(filename), size)
        return {"ok": True, "upload_url": f"{self.base}{UPLOAD_PATH}{file_id}", "file_id": file_id}

    def _serve_upload(self, file_id: str, raw: bytes, content_type: str) -> tuple[int, str]:
        """The POST to an upload URL: raw bytes or a multipart form; (HTTP status, body)."""
        with self._cond:
            known = self._files.get(file_id)
            if known is None:
                return 404, "Not Found"
            if content_type.lower().startswith("multipart/form-data"):
                raw = _multipart_file(raw, content_type)
            known.content = raw
            self._cond.notify_all()
        return 200, f"OK - {len(raw)}"

    def _files_complete_upload(self, params: dict) -> dict:
        wanted = params.get("files")
        if not isinstance(wanted, list) or not wanted:
            return err("invalid_arguments")
        if not all(isinstance(f, dict) and f.get("id") for f in wanted):
            return err("invalid_arguments")
        found = [self._files.get(str(f["id"])) for f in wanted]
        if any(f is None or f.content is None for f in found):
            return err("file_not_found")
        channel = None
        if params.get("channel_id"):
            channel, error = self._postable_channel({"channel": str(params["channel_id"])})
            if error:
                return error
        done = []
        for request, item in zip(wanted, found, strict=True):
            assert item is not None
            item.title = request.get("title") or item.filename
            item.initial_comment = params.get("initial_comment")
            item.completed = True
            if channel:
                item.channels.append(channel)
            done.append(item)
        if channel:
            text = params.get("initial_comment") or ""
            message = self._store_message(channel, {"text": text}, None)
            message["files"] = [f.public() for f in done]
        return {"ok": True, "files": [f.public() for f in done]}


def _multipart_file(raw: bytes, content_type: str) -> bytes:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    for part in message.iter_parts():
        if part.get_filename() or part.get_param("name", header="content-disposition") == "file":
            return part.get_payload(decode=True) or b""
    return b""
