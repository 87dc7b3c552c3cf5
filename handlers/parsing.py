"""Reading command text: escaped mentions, channels, quoted phrases, keywords."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cadence.errors import InvalidInput
from cadence.vocabulary import RiskTier

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"(?:\bin\s+)?<#([CG][A-Z0-9]+)(?:\|[^>]*)?>", re.IGNORECASE)
QUOTED = re.compile(r"[\"“”]([^\"“”]+)[\"“”]")
# "risk high" / "risk: low" set the tier; "risk" inside a name ("Credit risk high-value…") doesn't.
RISK = re.compile(r"\brisk(?:\s*[:=]\s*(\S+)|\s+(low|medium|high)(?=\s|$))", re.IGNORECASE)
OUTCOME = re.compile(
    r"\boutcome\s*(?:[:=]\s*)?[\"“”]([^\"“”]*)[\"“”]"
    r"|\boutcome\s*[:=]\s*(.+?)(?=\s+risk(?:\s*[:=]|\s+(?:low|medium|high)(?:\s|$))|$)",
    re.IGNORECASE,
)
UNRESOLVED_AT = re.compile(r"(?<![<\w])@([\w.\-]+)")


def squash(text: str) -> str:
    """Single spaces, no ends."""
    return " ".join(text.split())


def user_mentions(text: str) -> list[str]:
    """User ids mentioned in the text, in order, without repeats."""
    return list(dict.fromkeys(USER_MENTION.findall(text)))


def strip_users(text: str) -> str:
    """The text with user mentions removed."""
    return squash(USER_MENTION.sub(" ", text))


def require_one_user(text: str, *, example: str) -> str:
    """Exactly one mentioned person, or an InvalidInput that explains how to mention."""
    users = user_mentions(text)
    if len(users) == 1:
        return users[0]
    if len(users) > 1:
        raise InvalidInput(f"Please mention just one person. For example: `{example}`")
    plain = UNRESOLVED_AT.search(text)
    if plain:
        raise InvalidInput(
            f"I couldn't tell who *@{plain.group(1)}* is. Pick the person from the @ menu as you "
            f"type, so Slack sends me who they are. For example: `{example}`"
        )
    raise InvalidInput(f"Please mention the person with @. For example: `{example}`")


@dataclass
class WorkflowSpec:
    """What `/cadence workflow add` was given."""

    name: str
    channel_id: str | None
    business_outcome: str | None
    risk_tier: RiskTier


def parse_workflow_add(text: str) -> WorkflowSpec:
    """`NAME [in #channel] [outcome "…"] [risk low|medium|high]`, in any order after the name."""
    channel_id = None
    channels = CHANNEL_MENTION.findall(text)
    if len(channels) > 1:
        raise InvalidInput("Please give one governance channel.")
    if channels:
        channel_id = channels[0].upper()
        text = CHANNEL_MENTION.sub(" ", text)
    outcome = None
    match = OUTCOME.search(text)
    if match:
        outcome = squash(match.group(1) if match.group(1) is not None else match.group(2) or "")
        text = text[: match.start()] + " " + text[match.end() :]
    tier = RiskTier.MEDIUM
    match = RISK.search(text)
    if match:
        word = (match.group(1) or match.group(2) or "").lower().strip("\"'")
        if word not in RiskTier.__members__.values():
            raise InvalidInput(f"Risk tier must be low, medium or high (not *{word}*).")
        tier = RiskTier(word)
        text = text[: match.start()] + " " + text[match.end() :]
    if user_mentions(text):
        raise InvalidInput("A workflow name can't contain mentions of people.")
    return WorkflowSpec(squash(squash(text).strip('"“”')), channel_id, outcome or None, tier)


def split_quoted(text: str) -> tuple[str | None, str]:
    """The first quoted phrase and the text without it."""
    match = QUOTED.search(text)
    if match is None:
        return None, text
    return squash(match.group(1)), squash(text[: match.start()] + " " + text[match.end() :])
