"""Reminders: who is owed one, working hours, and the sweep that sends them."""
