"""/cadence council add | remove | list."""

from __future__ import annotations

from cadence.accountability import council
from cadence.errors import InvalidInput
from cadence.people import mention
from handlers.blocks.kit import local_date
from handlers.commands.request import CommandRequest, split_subcommand
from handlers.parsing import CHANNEL_MENTION, require_one_user, user_mentions
from handlers.people import require_person


def handle_council(req: CommandRequest) -> None:
    """Add or remove council members, or list them."""
    action, rest = split_subcommand(req.args)
    if action in ("", "list", "ls"):
        members = council.list_members(req.db, team_id=req.team_id)
        if not members:
            req.reply(
                "The AI council has no members yet. A workspace admin can start it with "
                "`/cadence council add @person`."
            )
            return
        tz = req.default_zone
        lines = [f"• {mention(m.user_id)} (since {local_date(m.created_at, tz)})" for m in members]
        req.reply(f"*AI council* ({len(members)})\n" + "\n".join(lines))
        return
    if action == "channel":
        handle_council_channel(req, rest)
        return
    if action not in ("add", "remove", "rm"):
        raise InvalidInput(
            "`/cadence council` takes add, remove, list or channel, e.g. "
            "`/cadence council add @dana`."
        )
    users = user_mentions(rest) or [
        require_one_user(rest, example=f"/cadence council {action} @dana")
    ]
    actor = req.actor()
    done = []
    for user_id in users:
        person = require_person(req.client, user_id)
        if action == "add":
            council.add_member(req.db, team_id=req.team_id, person=person, actor=actor)
        else:
            council.remove_member(req.db, team_id=req.team_id, person=person, actor=actor)
        done.append(person.mention)
    verb = "added to" if action == "add" else "removed from"
    req.reply(f":white_check_mark: {', '.join(done)} {verb} the AI council.")


def handle_council_channel(req: CommandRequest, rest: str) -> None:
    """`/cadence council channel [#channel | none]`: where the monthly report is posted."""
    current = council.council_channel(req.db, team_id=req.team_id)
    if not rest:
        where = f"<#{current}>" if current else "not set: it is DMed to each council member"
        req.reply(
            f"The monthly council report goes to: {where}. Change it with "
            "`/cadence council channel #ai-council`."
        )
        return
    channels = CHANNEL_MENTION.findall(rest)
    if rest.strip().lower() not in ("none", "off") and len(channels) != 1:
        raise InvalidInput(
            "Please pick one channel with #, e.g. `/cadence council channel "
            "#ai-council`, or `none` to DM the members instead."
        )
    channel = channels[0] if channels else None
    before = council.set_council_channel(
        req.db,
        team_id=req.team_id,
        channel_id=channel,
        actor=req.actor(),
        default_zone=req.default_zone,
    )
    if before == channel:
        req.reply("Nothing changed.")
    elif channel:
        req.reply(
            f":white_check_mark: The monthly council report will be posted in <#{channel}>"
            " (invite @Cadence there if it is private)."
        )
    else:
        req.reply(":white_check_mark: The monthly council report will be DMed to each member.")
