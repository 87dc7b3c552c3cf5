"""Living canvases: each workflow's governance channel keeps its escalation map and decision
log in a channel canvas, refreshed through the outbox whenever either changes."""
