"""Logging set-up; tokens never reach the logs."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


class RedactSecrets(logging.Filter):
    """Blank out anything shaped like a Slack token before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the formatted message with tokens masked."""
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg = _SECRET.sub("[redacted]", message)
            record.args = ()
        return True


def configure_logging(level: int) -> None:
    """Plain, timestamped logs on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk logs full request bodies at DEBUG; keep them out unless asked for explicitly.
    logging.getLogger("slack_sdk").setLevel(max(level, logging.INFO))
