"""The integration API under /api/v1/: HTTP only (parsing, auth, limits, problems); the rules
it applies are the domain's (cadence/), the same ones Slack's forms and commands use."""
