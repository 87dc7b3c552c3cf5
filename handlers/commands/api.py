"""/cadence api token create NAME | list | revoke NAME: the integration API's tokens."""

from __future__ import annotations

from cadence.accountability import authority
from cadence.errors import InvalidInput
from cadence.integration import tokens
from cadence.people import mention
from handlers.blocks.kit import escape, local_date
from handlers.commands.request import CommandRequest, split_subcommand

USAGE = (
    "`/cadence api token create NAME` (shown once), `/cadence api token list` or "
    "`/cadence api token revoke NAME`, e.g. `/cadence api token create data-pipeline`."
)


def handle_api(req: CommandRequest) -> None:
    """Create (shown once, privately), list or revoke the workspace's API tokens (council)."""
    noun, rest = split_subcommand(req.args)
    action, name = split_subcommand(rest)
    if noun != "token" or action not in ("create", "list", "ls", "revoke"):
        raise InvalidInput(USAGE)
    user = req.command.user_id
    if action in ("create", "revoke") and not name.strip():
        authority.require_api_token_authority(req.db, team_id=req.team_id, user_id=user)
        raise InvalidInput(
            f"Which token? Name it: `/cadence api token {action} data-pipeline` "
            f"({tokens.NAME_RULE})."
        )
    if action == "create":
        made = tokens.create_token(req.db, team_id=req.team_id, name=name, actor_id=user)
        req.reply(
            f":key: API token *{made.token.name}* created. Copy it now: it is shown only "
            f"this once, and Cadence keeps only its hash.\n```{made.secret}```\n"
            "Send it as `Authorization: Bearer …` to `/api/v1/`; revoke it with "
            f"`/cadence api token revoke {made.token.name}`."
        )
        return
    if action == "revoke":
        gone = tokens.revoke_token(req.db, team_id=req.team_id, name=name, actor_id=user)
        req.reply(f":white_check_mark: API token *{gone.name}* (`{gone.hint}…`) is revoked.")
        return
    authority.require_api_token_authority(req.db, team_id=req.team_id, user_id=user)
    live = tokens.live_tokens(req.db, team_id=req.team_id)
    if not live:
        req.reply("No API tokens yet. Create one with `/cadence api token create NAME`.")
        return
    lines = [
        f"• *{escape(t.name)}* `{t.hint}…`, by {mention(t.created_by)} on "
        f"{local_date(t.created_at, req.default_zone)}"
        for t in live
    ]
    req.reply(f"*API tokens* ({len(live)})\n" + "\n".join(lines))
