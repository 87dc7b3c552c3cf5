"""Load generation: closed-loop clients sending signed slash commands, and their timings."""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.harness import Harness
from slackfake.forms import all_text

ANSWER_TIMEOUT = 15.0


@dataclass
class Sample:
    """One command: its ack, and (once known) when its answer reached the response_url."""

    ack_ms: float | None
    status: int
    started: float
    key: str | None = None
    e2e_ms: float | None = None
    ok: bool = False
    error: str | None = None
    text: str = ""


@dataclass
class Result:
    """What one scenario measured."""

    name: str
    clients: int
    planned: int
    samples: list[Sample]
    wall_s: float
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.samples) < self.planned:
            self.notes.append(f"time limit reached after {len(self.samples)} of {self.planned}")

    @property
    def acks(self) -> list[float]:
        """Ack latencies (ms) of the requests that got an HTTP answer."""
        return [s.ack_ms for s in self.samples if s.ack_ms is not None]

    @property
    def e2es(self) -> list[float]:
        """Send-to-answer times (ms) of the commands whose answer arrived."""
        return [s.e2e_ms for s in self.samples if s.e2e_ms is not None]

    @property
    def failures(self) -> int:
        """Commands with no 200, no answer, or an answer that was not the expected one."""
        return sum(1 for s in self.samples if not s.ok)

    def first_errors(self, limit: int = 3) -> list[str]:
        """A few distinct failure descriptions."""
        seen = {s.error or "unexpected answer": s.text for s in self.samples if not s.ok}
        return [f"{error} (e.g. `{text}`)" for error, text in seen.items()][:limit]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def said(answer: dict) -> str:
    """Everything visible in an answer: its text and its blocks."""
    return str(answer.get("text", "")) + "\n" + all_text(answer.get("blocks") or [])


def send_command(
    h: Harness,
    command: str,
    text: str,
    *,
    user: str,
    channel: str,
    expect: str,
    wait: bool = True,
) -> Sample:
    """Send one signed command; with `wait`, also wait for the answer at its response_url."""
    started = time.monotonic()
    try:
        reply = h.sim.command(command, text, user=user, channel=channel)
    except OSError as exc:  # timed out or refused: no ack at all
        error = f"no ack: {type(exc).__name__}: {exc}"
        return Sample(None, 0, started, error=error, text=f"{command} {text}")
    sample = Sample(reply.elapsed * 1000, reply.status, started, text=f"{command} {text}")
    if reply.status != 200:
        sample.error = f"HTTP {reply.status}: {reply.body[:120]}"
        return sample
    if reply.body.strip():  # answered in the ack itself
        sample.e2e_ms = sample.ack_ms
        sample.ok = expect in said(reply.json or {"text": reply.body})
        return sample
    sample.key = (reply.response_url or "").rsplit("/", 1)[-1]
    if wait:
        collect_answer(h, sample, timeout=ANSWER_TIMEOUT, expect=expect)
    return sample


def collect_answer(h: Harness, sample: Sample, *, timeout: float, expect: str) -> None:
    """Fill in the end-to-end time and check the answer of a command acked empty."""
    if sample.key is None:
        return
    try:
        bodies = h.fake.wait_for_responses(key=sample.key, timeout=timeout)
    except AssertionError:
        sample.error = f"no answer at response_url within {timeout:.0f}s"
        return
    sample.e2e_ms = (h.fake.arrivals[sample.key] - sample.started) * 1000
    sample.ok = expect in said(bodies[0])
    if not sample.ok:
        sample.error = "answer: " + said(bodies[0]).strip().replace("\n", " ")[:100]


def run_clients(
    job: Callable[[int], Sample], *, n: int, clients: int, time_limit: float
) -> tuple[list[Sample], float]:
    """Run jobs 0..n-1 on `clients` closed-loop threads (each waits for its job to finish)."""
    counter = itertools.count()
    lock = threading.Lock()
    samples: list[Sample] = []
    stop_at = time.monotonic() + time_limit

    def client() -> None:
        while time.monotonic() < stop_at:
            with lock:
                index = next(counter)
            if index >= n:
                return
            sample = job(index)
            with lock:
                samples.append(sample)

    started = time.monotonic()
    if clients == 1:
        client()
    else:
        threads = [
            threading.Thread(target=client, name=f"bench-client-{k}", daemon=True)
            for k in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(time_limit + ANSWER_TIMEOUT + 15)
    return samples, time.monotonic() - started
