"""Integration API tokens: made by the council, shown once, kept as a hash, revoked by name.

A token is `cad_` and 43 characters of `secrets.token_urlsafe(32)` (256 random bits), so
its SHA-256 identifies it without a salt or a slow hash: nobody can guess one to match.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from cadence import audit
from cadence.accountability import authority
from cadence.errors import Conflict, InvalidInput
from cadence.people import api_actor
from cadence.text import quote
from storage.clock import now
from storage.models import ApiToken, pk

TOKEN_PREFIX = "cad_"
HINT_LENGTH = 8
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,23}")
NAME_RULE = "1 to 24 lowercase letters, digits, - or _, starting with a letter or digit"


@dataclass(frozen=True)
class NewToken:
    """A token just made: the row kept, and the secret shown once."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    """The SHA-256 (hex) that is stored in place of the token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_token_name(name: str) -> str:
    """A token name as stored, or InvalidInput saying what a name may be."""
    cleaned = name.strip().lower()
    if not NAME.fullmatch(cleaned):
        raise InvalidInput(
            f"*{quote(name, 40)}* can't name a token: use {NAME_RULE}, e.g. `data-pipeline`.",
            field="name",
        )
    return cleaned


def live_tokens(db: Session, *, team_id: str) -> list[ApiToken]:
    """The workspace's tokens that are not revoked, oldest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.team_id == team_id, col(ApiToken.revoked_at).is_(None))
        .order_by(col(ApiToken.id))
    )
    return list(db.exec(query).all())


def _live(db: Session, team_id: str, name: str) -> ApiToken | None:
    return next((t for t in live_tokens(db, team_id=team_id) if t.name == name), None)


def create_token(db: Session, *, team_id: str, name: str, actor_id: str) -> NewToken:
    """A new token for the workspace (council members only); its secret is never stored."""
    authority.require_api_token_authority(db, team_id=team_id, user_id=actor_id)
    name = clean_token_name(name)
    if _live(db, team_id, name) is not None:
        raise Conflict(
            f"There is already a token called *{name}*. Revoke it first "
            f"(`/cadence api token revoke {name}`) or pick another name.",
            field="name",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        team_id=team_id,
        name=name,
        token_hash=token_hash(secret),
        hint=secret[:HINT_LENGTH],
        created_by=actor_id,
        created_at=now(),
    )
    db.add(token)
    db.flush()
    audit.record(db, team_id=team_id, actor=actor_id, action="api.token_created",
                 token_id=pk(token), name=name, hint=token.hint)  # fmt: skip
    return NewToken(token, secret)


def revoke_token(db: Session, *, team_id: str, name: str, actor_id: str) -> ApiToken:
    """Revoke the live token called `name` (council members only); it stops working at once."""
    authority.require_api_token_authority(db, team_id=team_id, user_id=actor_id)
    cleaned = name.strip().lower()
    token = _live(db, team_id, cleaned)
    if token is None:
        names = ", ".join(t.name for t in live_tokens(db, team_id=team_id)) or "none"
        raise InvalidInput(
            f"There is no live token called *{quote(name, 40)}*. Live tokens: {names}.",
            field="name",
        )
    token.revoked_at, token.revoked_by = now(), actor_id
    db.add(token)
    db.flush()
    audit.record(db, team_id=team_id, actor=actor_id, action="api.token_revoked",
                 token_id=pk(token), name=token.name, hint=token.hint)  # fmt: skip
    return token


def authenticate(db: Session, *, secret: str) -> ApiToken | None:
    """The live token whose secret this is, or None (unknown, malformed or revoked)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
        return None
    query = select(ApiToken).where(
        ApiToken.token_hash == token_hash(secret), col(ApiToken.revoked_at).is_(None)
    )
    return db.exec(query).first()


def actor_of(token: ApiToken) -> str:
    """The actor id the token's changes are recorded under: 'api:NAME'."""
    return api_actor(token.name)


def record_call(
    db: Session,
    *,
    token: ApiToken,
    method: str,
    path: str,
    status: int,
    wait_for_chain: bool = True,
    **detail: object,
) -> None:
    """Audit one API call (read or write, done or refused) under the token's name; a read
    (`wait_for_chain=False`) never waits for a writer holding the workspace's audit chain."""
    record = audit.record if wait_for_chain else audit.record_without_waiting
    record(db, team_id=token.team_id, actor=actor_of(token), action="api.called",
           token_id=pk(token), method=method, path=path[:200], status=status,
           **detail)  # fmt: skip
