"""Escalations: raising and routing, the lifecycle, the climb, and reading them."""
