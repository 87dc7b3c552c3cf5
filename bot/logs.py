"""Logging set-up, as text or JSON lines; tokens and secrets never reach the logs."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

# Slack tokens, and Cadence's own integration API tokens (cad_…).
_SECRET = re.compile(r"xox[abposer]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|cad_[A-Za-z0-9_-]{16,}")
REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
# Fields a log call may pass with `extra=` and JSON lines carry when present.
EXTRA_FIELDS = ("kind", "team", "user", "latency_ms", "status", "error_id", "job", "method")
# The one error handler (handlers/errors.py) logs "Unhandled error <id>"; the id becomes a field.
_ERROR_ID = re.compile(r"^Unhandled error ([0-9a-f]{6,16})\b")


@dataclass
class RequestContext:
    """What is known about the Slack request being handled; copied into listener threads."""

    kind: str | None = None
    team: str | None = None
    user: str | None = None


REQUEST: ContextVar[RequestContext | None] = ContextVar("cadence_request", default=None)


class Redactor:
    """Masks Slack tokens, and the configured secrets word for word, in any text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """`text` with every secret replaced by [redacted]."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _SECRET.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """Blank out anything shaped like a Slack token before it is written."""

    def __init__(self, redact: Redactor | None = None) -> None:
        super().__init__()
        self.redact = redact or Redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the formatted message with tokens masked."""
        message = record.getMessage()
        masked = self.redact(message)
        if masked != message:
            record.msg = masked
            record.args = ()
        return True


class TextFormatter(logging.Formatter):
    """The plain format; tracebacks are redacted too."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        """One redacted line (plus traceback)."""
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request where known."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        """The record as a redacted JSON object."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        context = REQUEST.get()
        if context is not None:
            line.update({k: v for k, v in asdict(context).items() if v is not None})
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if "error_id" not in line and (found := _ERROR_ID.match(line["message"])):
            line["error_id"] = found.group(1)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(line, default=str, ensure_ascii=False))


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record to whatever `sys.stderr` is when it is written (not the stream of
    the moment logging was configured, which may be closed by then: a replaced or captured
    stderr, as under pytest, while a background thread still logs)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        """The process's stderr now."""
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """Always sys.stderr: what logging assigns is ignored."""


def configure_logging(level: int, *, json_lines: bool = False, secrets: Iterable[str] = ()) -> None:
    """Logs on stderr, as text or JSON lines, with tokens and the given secrets masked."""
    redact = Redactor(secrets)
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter(redact) if json_lines else TextFormatter(redact))
    handler.addFilter(RedactSecrets(redact))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk logs full request bodies at DEBUG; keep them out unless asked for explicitly.
    logging.getLogger("slack_sdk").setLevel(max(level, logging.INFO))
