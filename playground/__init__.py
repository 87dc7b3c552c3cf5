"""`cadence-bot playground`: Cadence in a local Slack workspace in the browser, no tokens.

The real bot (HTTP mode, its outbox worker and scheduler) runs against the local Slack
(`slackfake`), on loopback; a page (`web.py`, `static/`) shows the workspace as a person would see
it and sends what they do as Slack does: signed requests to the bot, Web API state from the
local Slack. `runtime.py` starts it all; `seed.py` fills a fresh workspace through the bot;
`clock.py` is the simulated time the page moves.
"""
