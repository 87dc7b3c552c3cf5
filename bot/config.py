"""Settings from the environment or a `.env` file, checked once at start-up."""

from __future__ import annotations

import logging
from typing import Any, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

APP_SETTINGS = "https://api.slack.com/apps"

# Where a person finds each value; shown when the value is missing or malformed.
WHERE_TO_GET: dict[str, str] = {
    "SLACK_BOT_TOKEN": (
        f"the Bot User OAuth Token (starts with xoxb-) on your app's "
        f"'OAuth & Permissions' page at {APP_SETTINGS} (or, to install Cadence into many "
        f"workspaces, set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET instead)"
    ),
    "SLACK_SIGNING_SECRET": (
        f"the Signing Secret on your app's 'Basic Information' page at {APP_SETTINGS}"
    ),
    "SLACK_APP_TOKEN": (
        f"an App-Level Token with the connections:write scope (starts with xapp-), "
        f"created under 'Basic Information' at {APP_SETTINGS}; leave it unset to serve HTTP"
    ),
    "DATABASE_URL": (
        "an SQLAlchemy URL such as sqlite:///cadence.db or "
        "postgresql+psycopg://user@host:5432/cadence"
    ),
    "SLACK_CLIENT_ID": (
        f"the Client ID under 'App Credentials' on your app's 'Basic Information' page at "
        f"{APP_SETTINGS}"
    ),
    "SLACK_CLIENT_SECRET": (
        f"the Client Secret under 'App Credentials' on your app's 'Basic Information' page at "
        f"{APP_SETTINGS}"
    ),
    "SLACK_STATE_SECRET": (
        "a long random string of your own, at least 16 characters (for example the output of "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'); it signs install links"
    ),
    "SLACK_REDIRECT_URI": (
        "the https URL of /slack/oauth_redirect on your host, as listed under 'OAuth & "
        "Permissions' > Redirect URLs (optional)"
    ),
    "SLACK_API_URL": "an http(s) URL such as https://slack.com/api/ (normally left unset)",
    "PORT": "a TCP port number between 1 and 65535 (default 3000)",
    "CADENCE_TIMEZONE": "an IANA time zone name such as Europe/Paris (default UTC)",
    "LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR (default INFO)",
    "LOG_FORMAT": "text or json (default text)",
    "WEB_CONCURRENCY": "the number of HTTP worker processes, 1 to 64 (default 1)",
    "WEB_THREADS": "the number of request threads per worker process, 1 to 256 (default 16)",
    "READYZ_OUTBOX_MAX_AGE": (
        "the age in seconds past which a pending outbox message makes /readyz fail (default 600)"
    ),
    "OUTBOX_LEASE_SECONDS": (
        "how long, in seconds, a message being delivered is reserved for one process (default 60)"
    ),
    "API_RATE_PER_MINUTE": (
        "the integration API requests each token may make per minute, sustained (default 120)"
    ),
    "API_RATE_BURST": "the integration API requests a token may make at once (default 20)",
}


# The state secret signs install links; shorter than this is too easy to guess.
STATE_SECRET_MIN = 16


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and where to get it."""


class DatabaseSettings(BaseSettings):
    """The settings that database maintenance needs (no Slack tokens)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str = "sqlite:///cadence.db"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("is not a database URL") from None
        if url.get_backend_name() not in ("sqlite", "postgresql") or "://" not in value:
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"{value!r} is not a log level")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def json_logs(self) -> bool:
        """Whether log lines are JSON objects."""
        return self.log_format == "json"

    @property
    def log_level_number(self) -> int:
        """The numeric logging level."""
        return logging.getLevelNamesMapping()[self.log_level]


class ZoneSettings(DatabaseSettings):
    """The database and the workspace's default time zone: what exports need (no tokens)."""

    cadence_timezone: str = "UTC"

    @field_validator("cadence_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not a known time zone") from exc
        return value


class Settings(ZoneSettings):
    """Everything Cadence reads from its environment.

    Slack credentials come one of two ways: one workspace's bot token (`SLACK_BOT_TOKEN`), or,
    to install to many workspaces, the app's OAuth credentials (`SLACK_CLIENT_ID`,
    `SLACK_CLIENT_SECRET`, `SLACK_STATE_SECRET`), each workspace's token then coming from the
    installations Cadence keeps. The OAuth fields come first: the bot token's check reads them.
    """

    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_state_secret: SecretStr | None = Field(default=None, validate_default=True)
    slack_redirect_uri: str | None = None
    slack_bot_token: SecretStr | None = Field(default=None, validate_default=True)
    slack_signing_secret: SecretStr
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    web_concurrency: int = Field(default=1, ge=1, le=64)
    web_threads: int = Field(default=16, ge=1, le=256)
    readyz_outbox_max_age: int = Field(default=600, ge=1)
    outbox_lease_seconds: int = Field(default=60, ge=1)
    api_rate_per_minute: float = Field(default=120, gt=0, le=1_000_000)
    api_rate_burst: int = Field(default=20, ge=1, le=100_000)

    @field_validator("slack_client_id", "slack_client_secret", "slack_redirect_uri", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_state_secret", mode="before")
    @classmethod
    def _oauth_all_or_nothing(cls, value: Any, info: ValidationInfo) -> Any:
        value = None if isinstance(value, str) and not value.strip() else value
        given = {
            "SLACK_CLIENT_ID": info.data.get("slack_client_id") is not None,
            "SLACK_CLIENT_SECRET": info.data.get("slack_client_secret") is not None,
            "SLACK_STATE_SECRET": value is not None,
        }
        missing = [name for name, present in given.items() if not present]
        if missing and len(missing) < len(given):
            raise PydanticCustomError("oauth_incomplete", "{missing}", {"missing": missing})
        if isinstance(value, str) and len(value.strip()) < STATE_SECRET_MIN:
            raise ValueError(f"must be at least {STATE_SECRET_MIN} characters")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            if info.data.get("slack_state_secret") is not None:
                return None  # OAuth: each workspace's token comes from its installation
            raise PydanticCustomError("missing", "Field required")
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _secret_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("slack_app_token", mode="before")
    @classmethod
    def _app_token_shape(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and not value.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url", mode="before")
    @classmethod
    def _api_url_shape(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        parsed = urlparse(str(value))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL")
        return str(value) if str(value).endswith("/") else f"{value}/"

    @property
    def secrets(self) -> list[str]:
        """Every secret value, for the logs to mask word for word."""
        values = [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            self.slack_state_secret,
        ]
        return [v.get_secret_value() for v in values if v is not None]

    @property
    def oauth(self) -> bool:
        """Installable to many workspaces: the OAuth credentials are set (they go together)."""
        return self.slack_state_secret is not None

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is configured, else HTTP."""
        return self.slack_app_token is not None


def load_settings(*, env_file: str | None = ".env", **overrides: Any) -> Settings:
    """Read settings, turning validation errors into one readable ConfigError."""
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(describe_problems(exc)) from None


def load_database_settings() -> DatabaseSettings:
    """Read only what database maintenance needs."""
    try:
        return DatabaseSettings()
    except ValidationError as exc:
        raise ConfigError(describe_problems(exc)) from None


def load_zone_settings() -> ZoneSettings:
    """Read the database and time zone settings only."""
    try:
        return ZoneSettings()
    except ValidationError as exc:
        raise ConfigError(describe_problems(exc)) from None


def describe_problems(exc: ValidationError) -> str:
    """One plain sentence per bad setting, naming the variable and where to get it."""
    lines = ["Cadence cannot start: its configuration is incomplete."]
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        if error["type"] == "oauth_incomplete":
            lines.extend(_oauth_incomplete(error["ctx"]["missing"]))
            continue
        if error["type"] == "missing":
            problem = "is not set"
        else:
            problem = "is invalid: " + str(error["msg"]).removeprefix("Value error, ")
        where = WHERE_TO_GET.get(name)
        hint = f" Set it to {where}." if where else ""
        lines.append(f"  - {name} {problem}.{hint}")
    lines.append("Put the values in the environment or in a .env file in this directory.")
    return "\n".join(lines)


def _oauth_incomplete(missing: list[str]) -> list[str]:
    """One line per OAuth credential missing while the others are set."""
    return [
        f"  - {name} is not set: installing to many workspaces needs SLACK_CLIENT_ID, "
        f"SLACK_CLIENT_SECRET and SLACK_STATE_SECRET together. Set it to {WHERE_TO_GET[name]}."
        for name in missing
    ]
