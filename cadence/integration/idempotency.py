"""Idempotent API writes: the first answer under an `Idempotency-Key` is kept and given again.

Keys are per workspace. A retry with the same key and the same request gets the kept answer
and changes nothing; the same key with another request is refused, so a client reusing keys
by mistake finds out instead of silently getting an answer about something else.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from cadence.errors import CadenceError, InvalidInput
from storage.clock import now
from storage.db import insert_if_absent
from storage.models import ApiIdempotencyKey, ApiToken, pk

KEY = re.compile(r"[\x21-\x7e]{1,128}")  # visible ASCII, as IETF's Idempotency-Key draft allows


class KeyReused(CadenceError):
    """The key was used before with a different request."""


@dataclass(frozen=True)
class Kept:
    """The answer first given under a key."""

    status_code: int
    response: dict[str, Any]


def clean_key(key: str) -> str:
    """The key as given, or InvalidInput when it is empty, too long or not visible ASCII."""
    if not KEY.fullmatch(key):
        raise InvalidInput(
            "An Idempotency-Key is 1 to 128 visible ASCII characters (a UUID is ideal).",
            field="Idempotency-Key",
        )
    return key


def fingerprint(method: str, path: str, body: Any) -> str:
    """What identifies a request: its method, path and body (as canonical JSON)."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def kept_answer(db: Session, *, team_id: str, key: str, fingerprint: str) -> Kept | None:
    """The answer kept under `key`, None if the key is new; KeyReused for another request."""
    row = db.exec(
        select(ApiIdempotencyKey).where(
            ApiIdempotencyKey.team_id == team_id, ApiIdempotencyKey.idempotency_key == key
        )
    ).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise KeyReused(
            "This Idempotency-Key was already used with a different request; use a new key "
            "for a new request.",
            field="Idempotency-Key",
        )
    return Kept(row.status_code, row.response)


def keep_answer(
    db: Session,
    *,
    token: ApiToken,
    key: str,
    fingerprint: str,
    status_code: int,
    response: dict[str, Any],
) -> None:
    """Keep the answer under `key` (a request racing this one with the same key keeps its own
    identical answer: the first insert wins)."""
    insert_if_absent(
        db,
        ApiIdempotencyKey,
        key=["team_id", "idempotency_key"],
        team_id=token.team_id,
        idempotency_key=key,
        token_id=pk(token),
        fingerprint=fingerprint,
        status_code=status_code,
        response=response,
        created_at=now(),
    )
