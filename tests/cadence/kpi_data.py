"""A KPI tree of 4 levels and 12 nodes, as the outcome owner would type it."""

from __future__ import annotations

GOAL = "Net revenue retention"
DRIVER = "Reduce churn through automated support"
TIER1 = "Tier-1 queries resolved"
RAG = "RAG retrieval accuracy"
LATENCY = "p95 response latency"

TREE_12 = "\n".join(
    [
        f"goal | {GOAL} | % | 110 | higher",
        f"driver | {DRIVER} | % churn | 5 | lower | {GOAL}",
        f"driver | Expand accounts with self-serve insights | % expansion | 15 | higher | {GOAL}",
        f"metric | {TIER1} | % | 85 | higher | {DRIVER}",
        f"metric | First-contact resolution | % | 70 | higher | {DRIVER}",
        "metric | Insight reports opened | reports/week | 400 | higher | "
        "Expand accounts with self-serve insights",
        f"input | {RAG} | % | 92 | higher | {TIER1}",
        f"input | {LATENCY} | s | 2 | lower | {TIER1}",
        "input | Intent classifier F1 | % | 90 | higher | First-contact resolution",
        "input | Handoff rate to humans | % | 20 | lower | First-contact resolution",
        "input | Report generation errors | errors/week | 5 | lower | Insight reports opened",
        "input | Data freshness | h | 24 | lower | Insight reports opened",
    ]
)
LEAVES = [
    RAG,
    LATENCY,
    "Intent classifier F1",
    "Handoff rate to humans",
    "Report generation errors",
    "Data freshness",
]
