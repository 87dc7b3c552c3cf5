"""Governance: sessions (threads), votes, decisions, the scorecard and the schedule."""
