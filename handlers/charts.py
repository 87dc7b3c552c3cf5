"""The scorecard chart: each metric's weeks as a PNG, drawn with matplotlib's Agg backend."""

from __future__ import annotations

import io
import math

from cadence.governance.trends import Trend
from cadence.vocabulary import TriggerDirection

FIGURE_WIDTH, ROW_HEIGHT, DPI = 8.0, 1.7, 100


def render_chart(trends: list[Trend], *, title: str) -> bytes:
    """One panel per metric, oldest week first; missing weeks break the line (no zeros), and a
    dashed line marks an above/below trigger."""
    # Imported here: matplotlib costs about 70 MB and seconds to import, for charts alone.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(FIGURE_WIDTH, ROW_HEIGHT * len(trends) + 0.8), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(trends), 1, sharex=True, squeeze=False)[:, 0]
    for ax, trend in zip(axes, trends, strict=True):
        weeks = list(range(len(trend.weeks)))
        values = [math.nan if v is None else v for v in trend.values]
        ax.plot(weeks, values, marker="o", color="#1f3a5f")
        rule = trend.rule
        if rule is not None and rule.direction != TriggerDirection.RISE:
            ax.axhline(rule.threshold, linestyle="--", color="#c0392b", linewidth=1)
        unit = "h" if trend.metric == "decision_latency" else trend.unit
        ax.set_ylabel(unit, fontsize=8)
        ax.set_title(trend.label + (f" — trigger: {rule.describe()}" if rule else ""),
                     loc="left", fontsize=9)  # fmt: skip
        if not trend.known:
            ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center", color="grey")
        ax.tick_params(labelsize=7)
    axes[-1].set_xticks(range(len(trends[0].weeks)))
    axes[-1].set_xticklabels([f"{w:%d %b}" for w in trends[0].weeks], rotation=45, fontsize=7)
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
