"""The council report's figures as data: what is counted, per workflow and in total.

Everything is counted as of the end of the period, so a report computed later for a past
period says what the one made at the time said (unless history itself was edited).
"""

from __future__ import annotations

import statistics
from collections import Counter

from pydantic import BaseModel, ConfigDict, Field

from cadence.vocabulary import GovernanceChoice

CHOICES = [c.value for c in GovernanceChoice]


class Figures(BaseModel):
    """A part of the report; validators are built when first used, not when the bot starts."""

    model_config = ConfigDict(defer_build=True)


class Latency(Figures):
    """Durations in seconds: how many, the median and the worst."""

    count: int = 0
    median_s: float | None = None
    worst_s: int | None = None

    @classmethod
    def of(cls, seconds: list[int]) -> Latency:
        """The summary of some durations (empty: no figures)."""
        if not seconds:
            return cls()
        return cls(count=len(seconds), median_s=statistics.median(seconds), worst_s=max(seconds))


class Section(Figures):
    """One workflow's month (workflow None: the whole workspace)."""

    workflow: str | None = None
    workflow_id: int | None = None
    decisions: dict[str, int] = Field(default_factory=lambda: dict.fromkeys(CHOICES, 0))
    sessions: int = 0  # governance threads of weeks starting in the period
    undecided: int = 0  # ... whose week ended without a decision (a skip is a decision)
    still_open: int = 0  # ... without a decision yet, their week not over at the period's end
    latency: Latency = Field(default_factory=Latency)
    previous_latency: Latency = Field(default_factory=Latency)
    escalations: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict)
    by_severity: dict[str, int] = Field(default_factory=dict)
    by_tier: dict[str, int] = Field(default_factory=dict)
    ack: Latency = Field(default_factory=Latency)
    resolve: Latency = Field(default_factory=Latency)
    council_raised: int = 0
    council_resolved: int = 0
    gaps: int = 0
    gaps_closed: int = 0
    actions_due: int = 0
    actions_on_time: int = 0
    actions_late: int = 0
    actions_overdue: int = 0
    # Evidence of features a workspace may not have (risk triggers, risk-tier changes, resets):
    # audit actions counted by name, shown only when there are any.
    other: dict[str, int] = Field(default_factory=dict)

    @property
    def decided(self) -> int:
        """Decisions recorded in the period."""
        return sum(self.decisions.values())

    @property
    def active(self) -> bool:
        """Whether anything at all happened."""
        return bool(
            self.decided
            or self.sessions
            or self.escalations
            or self.gaps
            or self.actions_due
            or self.other
        )

    @property
    def trend_s(self) -> float | None:
        """How much the median decision latency grew since the period before (None: unknown)."""
        now, before = self.latency.median_s, self.previous_latency.median_s
        return None if now is None or before is None else now - before


class CouncilMatter(Figures):
    """A matter for the council raised in the period, and how it ended."""

    escalation_id: int
    workflow: str
    matter: str
    severity: str
    summary: str
    raised_on: str
    resolved_on: str | None = None
    resolution: str | None = None


class Attention(Figures):
    """One thing that needs the council: the worst trend, an overdue action, an open matter."""

    kind: str  # "trend", "overdue_action" or "council_matter"
    text: str  # mrkdwn, user text escaped


class ReportFigures(Figures):
    """The whole report of one workspace for one period."""

    team_id: str
    period: str
    label: str
    timezone: str
    attention: list[Attention] = Field(default_factory=list)
    total: Section = Field(default_factory=Section)
    workflows: list[Section] = Field(default_factory=list)
    quiet_workflows: list[str] = Field(default_factory=list)
    council_matters: list[CouncilMatter] = Field(default_factory=list)
    # The workspace's audit hash chain as walked when the report was made (None: not walked).
    audit_rows: int | None = None
    audit_problem: str | None = None
    audit_newest_hash: str = ""

    @property
    def quiet(self) -> bool:
        """A month with no activity at all."""
        return not self.total.active


def add_counts(into: dict[str, int], counter: Counter[str]) -> None:
    """Fold counts into a dict, keeping it sorted by size then name."""
    merged = Counter(into) + counter
    into.clear()
    into.update(sorted(merged.items(), key=lambda item: (-item[1], item[0])))


def duration(seconds: float | None) -> str:
    """'45 min', '3 h 20 min', '2 d 4 h' ('n/a' when unknown)."""
    if seconds is None:
        return "n/a"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
