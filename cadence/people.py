"""People as Cadence sees them: who they are and whether they can hold a role."""

from __future__ import annotations

from pydantic import BaseModel

from cadence.errors import InvalidInput


class Person(BaseModel):
    """A Slack user, reduced to what authority and assignment rules need."""

    id: str
    name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False

    @property
    def is_workspace_admin(self) -> bool:
        """Workspace admins and owners can always change the accountability map."""
        return self.is_admin or self.is_owner

    @property
    def mention(self) -> str:
        """How to name them in a message."""
        return f"<@{self.id}>"


# Who acted through the integration API: "api:" and the token's name (a Slack id has no colon).
API_ACTOR_PREFIX = "api:"


def api_actor(token_name: str) -> str:
    """The actor id an API token's changes are recorded under: 'api:monitoring'."""
    return API_ACTOR_PREFIX + token_name


def is_api_actor(actor_id: str | None) -> bool:
    """Whether an actor id names an API token rather than a Slack user."""
    return bool(actor_id) and str(actor_id).startswith(API_ACTOR_PREFIX)


def mention(user_id: str) -> str:
    """A Slack mention for a user id; an API token is named, since Slack can't mention it."""
    if is_api_actor(user_id):
        return f"the API token `{user_id.removeprefix(API_ACTOR_PREFIX)}`"
    return f"<@{user_id}>"


def require_assignable(person: Person) -> None:
    """Only active humans can be owners or council members."""
    if person.is_bot or person.id == "USLACKBOT":
        raise InvalidInput(
            f"{person.mention} is a bot. Owners and council members must be people.",
            field="person",
        )
    if person.deleted:
        raise InvalidInput(
            f"{person.mention} has left the workspace (deactivated), so they can't hold a role.",
            field="person",
        )
