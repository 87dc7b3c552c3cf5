"""Load and latency benchmarks for Cadence: the real bot, the fake Slack, loopback only.

Run with `uv run python -m benchmarks.run` (add `--quick` for a smoke run).
"""
