"""Slack's side of the wire: signing a request the way Slack does and posting it to the app."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen


@dataclass
class Reply:
    """What the bot's endpoint answered."""

    status: int
    body: str
    json: dict | None
    elapsed: float
    response_url: str | None = None
    # The exact bytes and headers sent, so a test can send the same request again (a retry).
    request: tuple[bytes, dict] | None = None


class SignedSender:
    """Posts to the app's endpoint with Slack's X-Slack-Signature over the raw body."""

    def __init__(self, endpoint: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        self.endpoint, self.signing_secret, self.timeout = endpoint, signing_secret, timeout

    def signed_headers(
        self, body: bytes, timestamp: int | None = None, secret: str | None = None
    ) -> dict:
        """The X-Slack-Signature / X-Slack-Request-Timestamp headers for `body`."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        base = b"v0:" + stamp.encode() + b":" + body
        key = (self.signing_secret if secret is None else secret).encode()
        signature = "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}

    def post_raw(self, body: bytes, headers: dict) -> Reply:
        """POST exactly these bytes and headers to the bot."""
        request = Request(self.endpoint, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urlopen(request, timeout=self.timeout) as response:
                status, text = response.status, response.read().decode("utf-8")
        except HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        elapsed = time.monotonic() - started
        parsed = None
        if text.lstrip().startswith("{"):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
        return Reply(status, text, parsed, elapsed)

    def _send(self, body: bytes, content_type: str, extra: dict | None = None) -> Reply:
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **self.signed_headers(body),
            **(extra or {}),
        }
        reply = self.post_raw(body, headers)
        reply.request = (body, headers)
        return reply

    def resend(self, reply: Reply) -> Reply:
        """Send the request behind `reply` again, byte for byte (a retry of the same request)."""
        assert reply.request is not None, "only replies from this SlackSim can be resent"
        again = self.post_raw(*reply.request)
        again.request, again.response_url = reply.request, reply.response_url
        return again

    def _send_payload(self, payload: dict) -> Reply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._send(body, "application/x-www-form-urlencoded")

    def send(self, payload: dict) -> Reply:
        """POST an interaction payload exactly as given, signed (hostile-input tests shape
        their own: unknown action ids, damaged values and metadata, missing fields)."""
        return self._send_payload(payload)
