"""What one outbox delivery pass did (bot/delivery.py), for logs, the CLI and /metrics."""

from __future__ import annotations

from dataclasses import dataclass, field

OUTCOMES = ("sent", "retried", "failed", "deferred", "suspended")


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    # Kept, not attempted: their workspace has no installation (uninstalled, token revoked).
    suspended: int = 0
    held: int = 0  # left due because their method's budget or a 429 pause holds them back
    backlog: bool = False  # the pass stopped at its batch limit: more may be due right now
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for logs and the CLI."""
        line = (
            f"sent {self.sent}, retrying {self.retried}, failed {self.failed}, "
            f"deferred {self.deferred}"
        )
        return line + (f", held {self.suspended} (not installed)" if self.suspended else "")

    def counts(self) -> tuple[int, ...]:
        """The counters, in OUTCOMES order."""
        return (self.sent, self.retried, self.failed, self.deferred, self.suspended)
