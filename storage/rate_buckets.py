"""Rate-limit buckets kept on the API token's row, so every worker and replica spends from one.

Spending is one conditional UPDATE … RETURNING: the refill, the check and the spend happen in
the statement, under the row's write lock (PostgreSQL re-checks the condition against the row
a concurrent spender just committed; SQLite has one writer), so no two calls spend the same
call. The caller commits at once, so the row is locked for one statement, not for the call.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, literal, select, text, update
from sqlmodel import Session, col

from storage.models import ApiToken


def _level(*, now: float, rate: float, burst: float) -> Any:
    """The calls a bucket holds at `now`: what it held, refilled at `rate` a second, at most
    `burst`; a bucket never spent (NULL) is full; a clock behind the last spend refills nothing."""
    tokens, at = col(ApiToken.rate_tokens), col(ApiToken.rate_at)
    elapsed = case((at < now, literal(now) - at), else_=literal(0.0))
    refilled = tokens + elapsed * rate
    return case(
        (tokens.is_(None), literal(burst)),
        (refilled > burst, literal(burst)),
        else_=refilled,
    )


def spend_call(db: Session, *, token_id: int, now: float, rate: float, burst: float) -> float:
    """Spend one call of the token's bucket: 0.0 if it had one, else the seconds until it will.

    `rate` is in calls a second, `now` in Unix seconds. A refusal spends nothing.
    """
    if db.get_bind().dialect.name == "postgresql":
        # A spend lost to a crash only makes the limit briefly generous: don't wait for the
        # disk. Only the caller's transaction (this spend, committed at once) is affected.
        db.exec(text("SET LOCAL synchronous_commit = off"))  # type: ignore[call-overload]
    level = _level(now=now, rate=rate, burst=burst)
    at = col(ApiToken.rate_at)
    spent = db.exec(  # type: ignore[call-overload]
        update(ApiToken)
        .where(col(ApiToken.id) == token_id, level >= 1.0)
        .values(
            rate_tokens=level - 1.0,
            rate_at=case((at > now, at), else_=literal(now)),
        )
        .returning(col(ApiToken.id))
        .execution_options(synchronize_session=False)
    ).first()
    if spent is not None:
        return 0.0
    left = db.exec(select(level).where(col(ApiToken.id) == token_id)).first()  # type: ignore[call-overload]
    held = float(left[0]) if left is not None and left[0] is not None else 0.0
    return max(1.0 - held, 0.0) / rate
