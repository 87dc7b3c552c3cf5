"""The integration API's domain: workspace tokens, idempotent writes and what it lists."""
