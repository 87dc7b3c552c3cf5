"""The one cast of the test workspace: its people and channels, with their ids, names and flags.

End-to-end tests, the Slack harness tests and the benchmarks put them into the fake Slack with
`populate(fake)`; the domain tests take them as `cadence` people with `person(user_id)`. A test
that needs someone different for its own scenario changes one member with `add(fake, ...)` or
adds its own extra person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cadence.people import Person

if TYPE_CHECKING:
    from slackfake import FakeSlack

ADMIN, WS_OWNER, MARIA, LI, SAM, DANA, EVE = (
    "UADMIN", "UWSOWNER", "UMARIA", "ULI", "USAM", "UDANA", "UEVE",
)  # fmt: skip
HELPER_BOT, SLACKBOT, GONE = "UHELPERBOT", "USLACKBOT", "UGONE"
GENERAL, GOV = "C0GENERAL", "CGOV"

# The benchmarks' crowd: people and workflow channels by the hundred (ids shaped like Slack's).
BENCH_USERS = tuple(f"U0B{i:03d}" for i in range(160))
WORKFLOW_CHANNELS = tuple(f"C0WF{i:03d}" for i in range(50))
MAP_CHANNEL = "C0MAP"


class Member(Person):
    """A person (or bot) of the workspace: what the domain knows, and what else users.info says."""

    real_name: str
    tz: str = "UTC"


PEOPLE: dict[str, Member] = {
    member.id: member
    for member in (
        Member(id=ADMIN, name="ada", real_name="Ada Admin", is_admin=True),
        Member(id=WS_OWNER, name="olga", real_name="Olga Owner", is_owner=True),
        Member(id=MARIA, name="maria", real_name="Maria Lopez"),
        Member(id=LI, name="li", real_name="Li Wei"),
        Member(id=SAM, name="sam", real_name="Sam Okafor"),
        Member(id=DANA, name="dana", real_name="Dana Cohen"),
        Member(id=EVE, name="eve", real_name="Eve Member"),  # a regular member, no role anywhere
        Member(id=HELPER_BOT, name="helperbot", real_name="Helper Bot", is_bot=True),
        Member(id=SLACKBOT, name="slackbot", real_name="Slackbot"),  # a bot, not flagged one
        Member(id=GONE, name="gone", real_name="Former Colleague", deleted=True),  # has left
    )
}
CHANNELS: dict[str, str] = {GENERAL: "general", GOV: "ai-support-gov"}


def populate(fake: FakeSlack, *, crowd: bool = False) -> None:
    """Put the cast (and, for the benchmarks, the crowd) into the fake Slack's directory."""
    for member in PEOPLE.values():
        fake.add_user(**_user_fields(member))
    for channel_id, name in CHANNELS.items():
        fake.add_channel(channel_id, name=name)
    if crowd:
        for user_id in BENCH_USERS:
            fake.add_user(user_id, name=user_id.lower(), real_name=f"Bench {user_id}")
        for channel_id in (*WORKFLOW_CHANNELS, MAP_CHANNEL):
            fake.add_channel(channel_id, name=channel_id.lower())


def add(fake: FakeSlack, user_id: str, **changes: Any) -> None:
    """Put one member into the fake again, changed (e.g. `deleted=True`, `tz=...`)."""
    fake.add_user(**_user_fields(PEOPLE[user_id].model_copy(update=changes)))


def person(user_id: str) -> Person:
    """A member as the domain sees them."""
    return Person(**PEOPLE[user_id].model_dump(include=set(Person.model_fields)))


def _user_fields(member: Member) -> dict[str, Any]:
    fields = member.model_dump()
    return {"user_id": fields.pop("id"), **fields}
