"""The figures every benchmark reports: one table on stdout, one JSON file."""

from __future__ import annotations

import json
import math
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "latest.json"


@dataclass
class Figure:
    """One measured value, its target, and whether it met it (None: no target / not run)."""

    benchmark: str
    metric: str
    value: float | None
    unit: str = ""
    target: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        """PASS, FAIL, or '-' when the figure has no target or was not measured."""
        return "-" if self.ok is None else ("PASS" if self.ok else "FAIL")

    def shown(self) -> str:
        """The value as printed."""
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return "pending"
        if isinstance(self.value, int):
            return f"{self.value}"
        return f"{self.value:.2f}" if abs(self.value) < 10 else f"{self.value:.1f}"


@dataclass
class Report:
    """Figures in the order they were measured, plus how the run was made."""

    quick: bool
    database: str
    figures: list[Figure] = field(default_factory=list)

    def add(self, benchmark: str, metric: str, value: float | None, **extra: object) -> Figure:
        """Record one figure and return it."""
        figure = Figure(benchmark, metric, value, **extra)  # type: ignore[arg-type]
        self.figures.append(figure)
        return figure

    def pending(self, benchmark: str, metric: str, why: str, target: str = "") -> None:
        """A figure that cannot be measured yet (the feature is not merged)."""
        self.add(benchmark, metric, None, target=target, note=why)

    def print_table(self) -> None:
        """One row per figure."""
        head = f"{'benchmark':<22} {'metric':<46} {'value':>10} {'unit':<5} {'target':<14} verdict"
        print(head)
        print("-" * len(head))
        for f in self.figures:
            print(
                f"{f.benchmark:<22} {f.metric:<46} {f.shown():>10} {f.unit:<5} {f.target:<14} "
                f"{f.verdict}" + (f"  ({f.note})" if f.note else "")
            )
        print()

    def write_json(self, path: Path = RESULTS) -> Path:
        """The figures and the run's context as JSON; returns where it went."""
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": self.quick,
            "machine": {
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "slack_bolt": version("slack-bolt"),
                "sqlalchemy": version("sqlalchemy"),
                "database": self.database,
            },
            "figures": [
                {**asdict(f), "verdict": f.verdict, "pending": f.value is None}
                for f in self.figures
            ],
        }
        path.write_text(json.dumps(document, indent=2) + "\n")
        return path
