"""Prometheus metrics: what Cadence counts, and the /metrics page (multiprocess-safe).

Under gunicorn with several workers every process writes its counters to files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode) and /metrics, whichever worker
answers it, adds them up. The outbox gauges are read from the database at scrape time, so they
are the same whichever worker is asked.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from bot.delivery_report import OUTCOMES, DeliveryReport
from bot.health import outbox_backlog

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Every metric has labels, so its values are created on first use: in a gunicorn worker, after
# enable_multiprocess() has switched prometheus_client to its multiprocess value class.
ACK_SECONDS = Histogram(
    "cadence_ack_seconds",
    "Time from a Slack request's arrival to its HTTP answer (the ack), by request kind.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0),
)
DELIVERIES = Counter(
    "cadence_outbox_deliveries",
    "Outbox delivery attempts by Web API method and outcome (sent, retried, failed, deferred).",
    ["method", "outcome"],
)
RATELIMITED = Counter(
    "cadence_slack_ratelimited",
    "Web API calls that Slack answered with 429 Too Many Requests, by method.",
    ["method"],
)
JOBS = Counter(
    "cadence_jobs",
    "Scheduled job runs by job and outcome (ok, skipped, failed).",
    ["job", "outcome"],
)


def enable_multiprocess(directory: Path) -> None:
    """Make this process and the workers it forks share metrics through files in `directory`."""
    shutil.rmtree(directory, ignore_errors=True)  # stale files from an earlier run add up
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROCESS_DIR] = str(directory)
    # prometheus_client chose its value class when first imported, before this variable was
    # set; labelled metrics create their values lazily, through this module attribute.
    values.ValueClass = values.get_value_class()


def keep_metrics_in_process() -> str | None:
    """Count in this process only (one-off commands); the multiprocess directory it had."""
    directory = os.environ.pop(MULTIPROCESS_DIR, None)
    values.ValueClass = values.get_value_class()
    return directory


def worker_exited(pid: int) -> None:
    """Forget a dead worker's live gauges (gunicorn's child_exit hook)."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(pid)


class OutboxCollector(Collector):
    """The outbox backlog and the age of its oldest pending message, read when scraped."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        """Two gauges from one query."""
        backlog = outbox_backlog(self.engine)
        yield GaugeMetricFamily(
            "cadence_outbox_backlog",
            "Outbox messages waiting to be delivered (pending).",
            value=backlog.pending,
        )
        yield GaugeMetricFamily(
            "cadence_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox message (0 when none is pending).",
            value=backlog.oldest_age_seconds,
        )


class _Process(Collector):
    """This process's own metrics (single-process mode)."""

    def collect(self) -> Iterator[Metric]:
        """Everything in the default registry."""
        yield from REGISTRY.collect()


def render_metrics(engine: Engine | None) -> bytes:
    """The Prometheus text page: Cadence's counters (all workers) and the outbox gauges."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Process())
    if engine is not None:
        registry.register(OutboxCollector(engine))
    return generate_latest(registry)


def count_delivery(method: str, before: tuple[int, ...], report: DeliveryReport) -> None:
    """Count what one delivery did, from the report's counters before and after it."""
    for outcome, was, now in zip(OUTCOMES, before, report.counts(), strict=True):
        if now > was:
            DELIVERIES.labels(method=method, outcome=outcome).inc(now - was)
