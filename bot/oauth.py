"""Installing Cadence into many workspaces: bolt's OAuth flow at /slack/install and
/slack/oauth_redirect, with Cadence's pages for the outcome, and what an install resumes."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from urllib.parse import urljoin

from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine

from bot.config import Settings
from bot.installations import STATE_EXPIRATION_SECONDS, SignedStateStore
from cadence.outbox import resume_workspace
from storage.db import session_scope

logger = logging.getLogger("cadence.installations")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
# The bot scopes an install asks for: exactly manifest.yml's (tests/test_manifest.py).
BOT_SCOPES = (
    "commands", "chat:write", "chat:write.public", "users:read", "channels:read",
    "groups:read", "channels:history", "groups:history", "im:history", "im:write",
    "files:write", "canvases:write",
)  # fmt: skip

# What the person who tried to install is told, by bolt's failure reason.
FAILURES: dict[str, tuple[str, str]] = {
    "access_denied": (
        "Cadence was not installed",
        "The installation was cancelled on Slack's page, so nothing changed in your workspace.",
    ),
    "invalid_browser": (
        "This install link cannot be finished here",
        "It was started in another browser, or its cookie was blocked. Start again from the "
        "install link in this browser.",
    ),
    "invalid_state": (
        "This install link has expired or was already used",
        "Install links are valid for 10 minutes and once each. Start again from the install link.",
    ),
    "missing_code": (
        "Slack did not confirm the installation",
        "The answer from Slack had no code in it. Start again from the install link.",
    ),
    "invalid_code": (
        "Slack did not confirm the installation",
        "Slack refused the installation code (it may have expired). Start again from the "
        "install link.",
    ),
    "storage_error": (
        "Cadence could not save the installation",
        "Nothing was installed. Please try again in a minute; if it keeps failing, tell whoever "
        "runs Cadence.",
    ),
}


def authorize_url(api_url: str | None) -> str:
    """Slack's authorize page, beside the Web API (so SLACK_API_URL moves both, as in tests)."""
    return SLACK_AUTHORIZE_URL if api_url is None else urljoin(api_url, "../oauth/v2/authorize")


def build_oauth_settings(
    settings: Settings,
    engine: Engine,
    store: SQLAlchemyInstallationStore,
    *,
    on_resumed: Callable[[], None],
) -> OAuthSettings:
    """bolt's OAuth settings: installs and states in Cadence's database, Cadence's pages."""
    client_id, secret, state_secret = (
        settings.slack_client_id, settings.slack_client_secret, settings.slack_state_secret,
    )  # fmt: skip
    if client_id is None or secret is None or state_secret is None:
        raise ValueError("OAuth needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET")
    oauth = OAuthSettings(
        client_id=client_id,
        client_secret=secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.slack_redirect_uri,
        install_path=INSTALL_PATH,
        # Straight to Slack's page: no intermediate "Add to Slack" page of ours.
        install_page_rendering_enabled=False,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorize_url(settings.slack_api_url),
        installation_store=store,
        installation_store_bot_only=True,
        state_store=SignedStateStore(engine, secret=settings.slack_state_secret.get_secret_value()),
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
        logger=logger,
    )
    default = oauth.redirect_uri_page_renderer

    def succeeded(args: SuccessArgs) -> BoltResponse:
        team_id = args.installation.team_id
        with session_scope(engine) as db:
            resumed = resume_workspace(db, team_id=team_id) if team_id else 0
        logger.info(
            "Installed in workspace %s (%s); %d held message(s) resumed",
            team_id, args.installation.team_name, resumed,
        )  # fmt: skip
        if resumed:
            on_resumed()
        page = default.render_success_page(
            app_id=args.installation.app_id or "", team_id=team_id,
            is_enterprise_install=args.installation.is_enterprise_install,
            enterprise_url=args.installation.enterprise_url,
        )  # fmt: skip
        return BoltResponse(
            status=200,
            body=page,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Set-Cookie": [oauth.state_utils.build_set_cookie_for_deletion()],
            },
        )

    oauth.callback_options = CallbackOptions(success=succeeded, failure=failure_page)
    return oauth


def failure_page(args: FailureArgs) -> BoltResponse:
    """A plain page saying what went wrong and what to do; nothing is installed."""
    title, advice = FAILURES.get(
        args.reason,
        ("Cadence was not installed", "Something went wrong. Start again from the install link."),
    )
    logger.warning("Install failed: %s", args.reason)
    install = html.escape(args.settings.install_path, quote=True)
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(advice)}</p>"
        f'<p><a href="{install}">Install Cadence again</a></p>'
        f"<p><small>Reason: {html.escape(args.reason)}</small></p></body></html>"
    )
    return BoltResponse(
        status=args.suggested_status_code,
        body=body,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": [args.settings.state_utils.build_set_cookie_for_deletion()],
        },
    )
