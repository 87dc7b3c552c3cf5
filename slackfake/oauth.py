"""Installing the app into workspaces: the authorize page's redirect and oauth.v2.access.

Real Slack shows a person the authorize page (`/oauth/v2/authorize`), and on "Allow" sends the
browser back to the app's redirect URL with a one-time `code` (or `error=access_denied` on
"Cancel"); the app trades the code for a bot token with `oauth.v2.access`. The fake skips the
page: `consent(...)` says beforehand which workspace and person answer and how, and the authorize
URL redirects at once. Tokens it issues belong to their workspace (auth.test says which), and
`uninstall(team_id)` revokes them, as removing the app from a workspace does.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from slackfake.state import Workspace, err

AUTHORIZE_PATH = "/oauth/v2/authorize"
# What Slack's own app settings page calls them; a test registers its app with these.
DEFAULT_CLIENT_ID = "1111.2222"
DEFAULT_CLIENT_SECRET = "fake-client-secret"


@dataclass
class OAuthApp:
    """The app's credentials and redirect URLs, as registered in its settings."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    redirect_urls: list[str] = field(default_factory=list)


@dataclass
class Consent:
    """What the person on the authorize page does: install into `team_id`, or cancel."""

    team_id: str
    team_name: str
    user: str
    allow: bool = True


@dataclass
class _Grant:
    team_id: str
    team_name: str
    user: str
    scope: str
    redirect_uri: str | None
    used: bool = False


class Installs(Workspace):
    """The OAuth side of Slack: who installed the app where, and with which tokens."""

    def _clear_installs(self) -> None:
        self.oauth_app = OAuthApp()
        self._consent: Consent | None = None
        self._grants: dict[str, _Grant] = {}
        self._token_teams: dict[str, str] = {}  # issued bot token -> its workspace
        self._revoked: set[str] = set()
        self.team_names: dict[str, str] = {}  # workspaces the app was installed into
        self._caller_team: str | None = None  # the workspace of the token of the current call

    def register_app(
        self,
        *,
        redirect_urls: list[str],
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
    ) -> OAuthApp:
        """Set the app's credentials and redirect URLs (its 'OAuth & Permissions' page)."""
        with self._cond:
            self.oauth_app = OAuthApp(client_id, client_secret, list(redirect_urls))
            return self.oauth_app

    def consent(self, team_id: str, *, team_name: str, user: str, allow: bool = True) -> None:
        """The next authorize page is answered by `user` of `team_id`: Allow, or Cancel."""
        with self._cond:
            self._consent = Consent(team_id, team_name, user, allow)

    def uninstall(self, team_id: str) -> list[str]:
        """Remove the app from a workspace: its tokens stop working; returns them."""
        with self._cond:
            tokens = [t for t, team in self._token_teams.items() if team == team_id]
            self._revoked.update(tokens)
            self._changed()
            return tokens

    def team_of_token(self, token: str) -> str | None:
        """The workspace a token was issued for by oauth.v2.access (None: not one of those)."""
        with self._cond:
            return self._token_teams.get(token)

    def _token_refused(self, token: str) -> str | None:
        """Slack's error for a token of a workspace that removed the app (lock held)."""
        return "token_revoked" if token in self._revoked else None

    # ----- the authorize page (a browser GET) --------------------------------------------------

    def _serve_authorize(self, query: str) -> tuple[int, str, dict[str, str]]:
        """Redirect the browser to the app's redirect URL with a code, or with the error."""
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        with self._cond:
            app = self.oauth_app
            if params.get("client_id") != app.client_id:
                return 400, "Slack: invalid_client_id (this app is not known)", {}
            redirect = params.get("redirect_uri") or (app.redirect_urls or [""])[0]
            if redirect not in app.redirect_urls:
                return 400, "Slack: bad_redirect_uri (not one of the app's redirect URLs)", {}
            consent = self._consent or Consent(self.team_id, "Cadence Test", "UINSTALLER")
            answer: dict[str, str]
            if not consent.allow:
                answer = {"error": "access_denied"}
            else:
                code = f"{self._next()}.{self._rand(24)}"
                self._grants[code] = _Grant(
                    consent.team_id, consent.team_name, consent.user,
                    params.get("scope", ""), params.get("redirect_uri"),
                )  # fmt: skip
                answer = {"code": code}
            if "state" in params:
                answer["state"] = params["state"]
        separator = "&" if "?" in redirect else "?"
        return 302, "", {"Location": f"{redirect}{separator}{urlencode(answer)}"}

    # ----- oauth.v2.access (no token: the app's credentials) -----------------------------------

    def _oauth_v2_access(self, params: dict) -> dict:
        client_id, client_secret = _credentials(params)
        if client_id != self.oauth_app.client_id:
            return err("invalid_client_id")
        if client_secret != self.oauth_app.client_secret:
            return err("bad_client_secret")
        grant = self._grants.get(str(params.get("code") or ""))
        if grant is None or grant.used:
            return err("invalid_code")
        if (params.get("redirect_uri") or None) != grant.redirect_uri:
            return err("bad_redirect_uri")
        grant.used = True
        token = f"xoxb-{grant.team_id}-{self._next()}-{self._rand(24)}"
        self._token_teams[token] = grant.team_id
        self.team_names[grant.team_id] = grant.team_name
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": grant.scope,
            "bot_user_id": self.bot_user_id,
            "app_id": self.app_id,
            "team": {"id": grant.team_id, "name": grant.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": grant.user},
        }


def _credentials(params: dict) -> tuple[str, str]:
    """The app's client id and secret: HTTP Basic auth (as slack_sdk sends them) or fields."""
    basic = str(params.pop("_basic_auth", "") or "")
    if basic:
        try:
            client_id, _, secret = base64.b64decode(basic).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return client_id, secret
    return str(params.get("client_id") or ""), str(params.get("client_secret") or "")
