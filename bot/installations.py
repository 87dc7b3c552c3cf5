"""Installations to many workspaces: slack_sdk's SQLAlchemy stores on Cadence's own database
(tables from migration 0013), install links signed with SLACK_STATE_SECRET, and the Web API
client of each workspace, with its own bot token, for whatever talks to Slack on its behalf."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, desc, select

logger = logging.getLogger(__name__)

# How long an install link (its state) stays valid: Slack's authorize page, then back.
STATE_EXPIRATION_SECONDS = 600
# A workspace's token is read again after this long, so an uninstall or a reinstall in another
# process is seen within seconds; a refused token is always read again at once.
TOKEN_TTL_SECONDS = 5.0


def build_installation_store(engine: Engine, *, client_id: str) -> SQLAlchemyInstallationStore:
    """slack_sdk's installation store on Cadence's database (its tables come from migrations)."""
    return SQLAlchemyInstallationStore(
        client_id=client_id, engine=engine, logger=logging.getLogger("cadence.installations")
    )


class SignedStateStore(OAuthStateStore):  # type: ignore[misc]
    """OAuth states kept in the database, each signed with the state secret.

    A state is `ID.SIGNATURE`: the redirect is refused before any database lookup unless the
    signature is this deployment's, and the ID must still be stored and unexpired (one use).
    """

    def __init__(self, engine: Engine, *, secret: str) -> None:
        self._states = SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_SECONDS,
            engine=engine,
            logger=logging.getLogger("cadence.installations"),
        )
        self._key = secret.encode()

    @property
    def logger(self) -> logging.Logger:
        """The store's logger (slack_sdk's interface)."""
        return logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        """A new state for one install link."""
        state = str(self._states.issue())
        return f"{state}.{self._sign(state)}"

    def consume(self, state: str) -> bool:
        """Whether `state` is genuine, unexpired and unused; it cannot be used again."""
        stored, _, signature = (state or "").rpartition(".")
        if not stored or not hmac.compare_digest(signature, self._sign(stored)):
            return False
        return bool(self._states.consume(stored))

    def _sign(self, state: str) -> str:
        return hmac.new(self._key, state.encode(), hashlib.sha256).hexdigest()[:32]


class WorkspaceTokens:
    """Each workspace's current bot token, from the installation store (newest install wins)."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    def token_for(self, team_id: str) -> str | None:
        """The bot token of the workspace's newest installation; None when it has none."""
        bots = self.store.bots.c
        query = (
            select(bots.bot_token)
            .where(bots.client_id == self.store.client_id)
            .where(bots.team_id == team_id)
            .where(bots.bot_token.is_not(None))
            .order_by(desc(bots.installed_at))
            .limit(1)
        )
        with self.store.engine.connect() as connection:
            token = connection.execute(query).scalar()
        return str(token) if token else None


class WorkspaceClients:
    """The Web API client to call Slack with for a workspace.

    Single-token mode (`tokens` None): the one client, for every workspace. OAuth mode: a
    client with the workspace's own bot token, or None when it has no installation.
    """

    def __init__(
        self,
        base: WebClient,
        tokens: WorkspaceTokens | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self.tokens = tokens
        self.monotonic = monotonic
        self._known: dict[str, tuple[str | None, float]] = {}  # team -> (token, read at)
        self._clients: dict[str, WebClient] = {}  # token -> its client
        self._refused: set[str] = set()  # tokens Slack refused: never used again
        self._lock = threading.Lock()

    @property
    def per_workspace(self) -> bool:
        """Whether each workspace has its own token (OAuth installs)."""
        return self.tokens is not None

    def for_team(self, team_id: str | None, *, fresh: bool = False) -> WebClient | None:
        """The client for `team_id`; `fresh` reads its token again rather than the recent one."""
        if self.tokens is None:
            return self.base
        if not team_id:
            return None
        token = self.token_for(team_id, fresh=fresh)
        return None if token is None else self._client(token)

    def token_for(self, team_id: str, *, fresh: bool = False) -> str | None:
        """The workspace's bot token (read at most every TOKEN_TTL_SECONDS unless `fresh`)."""
        if self.tokens is None:
            return self.base.token
        at = self.monotonic()
        with self._lock:
            known = self._known.get(team_id)
        if known is not None and not fresh and at - known[1] < TOKEN_TTL_SECONDS:
            return known[0]
        token = self.tokens.token_for(team_id)
        with self._lock:
            token = None if token in self._refused else token
            self._known[team_id] = (token, at)
        return token

    def refused(self, token: str | None) -> None:
        """Slack refused `token` (revoked, the app removed): it is not used again."""
        if token:
            with self._lock:
                self._refused.add(token)
                self._clients.pop(token, None)

    def _client(self, token: str) -> WebClient:
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = type(self.base)(
                    token=token,
                    base_url=self.base.base_url,
                    timeout=self.base.timeout,
                    retry_handlers=list(self.base.retry_handlers),
                )
                self._clients[token] = client
            return client
