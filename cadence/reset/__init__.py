"""The 30-day accountability reset: one focus workflow, four weeks of items checked from data."""
