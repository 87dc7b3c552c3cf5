"""Who is in the playground's workspace: a dozen people with their part in the story, and the
channels. Ids are shaped like Slack's."""

from __future__ import annotations

from dataclasses import dataclass

from slackfake import FakeSlack

TEAM_ID, TEAM_DOMAIN = "T0PLAYGRD", "cadence-playground"
BOT_USER_ID = "U0CADENCE"


@dataclass(frozen=True)
class Member:
    """One person of the workspace and what they do in the story."""

    id: str
    name: str
    real_name: str
    role: str
    is_admin: bool = False


PEOPLE = (
    Member("U0ADA00001", "ada", "Ada Nkemelu", "workspace admin", is_admin=True),
    Member("U0MARIA001", "maria", "Maria Lopez", "outcome owner, Support resolution"),
    Member("U0LIWEI001", "li", "Li Wei", "workflow owner, Support resolution"),
    Member("U0SAM00001", "sam", "Sam Okafor", "stage owner, exception handling"),
    Member("U0DANA0001", "dana", "Dana Cohen", "AI council (CTO)"),
    Member("U0OMAR0001", "omar", "Omar Haddad", "AI council (compliance)"),
    Member("U0PRIYA001", "priya", "Priya Raman", "AI council (finance)"),
    Member("U0EVE00001", "eve", "Eve Martin", "support agent"),
    Member("U0NOAH0001", "noah", "Noah Schmidt", "data scientist"),
    Member("U0KENJI001", "kenji", "Kenji Sato", "support agent"),
    Member("U0ZOE00001", "zoe", "Zoe Dubois", "risk analyst"),
    Member("U0LUCAS001", "lucas", "Lucas Silva", "ML engineer"),
)
BY_NAME = {member.name: member for member in PEOPLE}
ADMIN, OUTCOME_OWNER, WORKFLOW_OWNER = BY_NAME["ada"], BY_NAME["maria"], BY_NAME["li"]
COUNCIL = (BY_NAME["dana"], BY_NAME["omar"], BY_NAME["priya"])
VOTERS = (BY_NAME["dana"], BY_NAME["omar"], BY_NAME["sam"], BY_NAME["eve"], BY_NAME["noah"])

GOVERNANCE, RANDOM, GENERAL = "C0AISUPGOV", "C0RANDOM01", "C0GENERAL1"
CHANNELS = {GOVERNANCE: "ai-support-gov", GENERAL: "general", RANDOM: "random"}
WORKFLOW = "Support resolution"


def populate(fake: FakeSlack, *, zone: str) -> None:
    """Put the people, the bot and the channels into the local Slack's directory."""
    fake.add_user(BOT_USER_ID, name="cadence", real_name="Cadence", is_bot=True, tz=zone)
    everyone = [BOT_USER_ID, *(member.id for member in PEOPLE)]
    for member in PEOPLE:
        fake.add_user(
            member.id,
            name=member.name,
            real_name=member.real_name,
            is_admin=member.is_admin,
            tz=zone,
        )
    for channel_id, name in CHANNELS.items():
        fake.add_channel(channel_id, name=name, members=everyone)
