"""Settings: defaults, readable errors for every malformed value, .env files, no leaked secrets."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings

BOT_TOKEN = "xoxb-111-222-SuperSecretBotToken"
SIGNING_SECRET = "s3cr3t-signing-value"
APP_TOKEN = "xapp-1-A0001-333-SuperSecretAppToken"
VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
    "PORT",
    "CADENCE_TIMEZONE",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "WEB_CONCURRENCY",
    "WEB_THREADS",
    "READYZ_OUTBOX_MAX_AGE",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_STATE_SECRET",
    "SLACK_REDIRECT_URI",
)
CLIENT_SECRET = "0123456789abcdef-SuperSecretClient"
STATE_SECRET = "SuperSecretStateValue-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No Cadence variable leaks in from the developer's shell or a .env in the repo."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)


def load(**values: object):
    """Settings from explicit values only (no .env file)."""
    values.setdefault("slack_bot_token", BOT_TOKEN)
    values.setdefault("slack_signing_secret", SIGNING_SECRET)
    return load_settings(env_file=None, **values)


def config_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    """The ConfigError text when the environment holds `env` (plus valid tokens)."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    return str(caught.value)


def test_defaults():
    settings = load()

    assert settings.database_url == "sqlite:///cadence.db"
    assert settings.port == 3000
    assert settings.cadence_timezone == "UTC"
    assert settings.log_level == "INFO"
    assert settings.slack_api_url is None
    assert settings.slack_app_token is None
    assert settings.socket_mode is False
    assert settings.oauth is False  # a bot token alone: one workspace


def test_serving_defaults_and_overrides(monkeypatch):
    defaults = load()
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    monkeypatch.setenv("READYZ_OUTBOX_MAX_AGE", "120")
    changed = load()

    assert (defaults.web_concurrency, defaults.web_threads, defaults.log_format) == (1, 16, "text")
    assert defaults.readyz_outbox_max_age == 600
    assert (changed.web_concurrency, changed.json_logs, changed.readyz_outbox_max_age) == (
        4, True, 120)  # fmt: skip
    assert changed.secrets == [BOT_TOKEN, SIGNING_SECRET]


def test_app_token_switches_to_socket_mode():
    settings = load(slack_app_token=APP_TOKEN)

    assert settings.socket_mode is True
    assert settings.slack_app_token is not None
    assert settings.slack_app_token.get_secret_value() == APP_TOKEN


def test_blank_app_token_means_http_mode(monkeypatch):
    monkeypatch.setenv("SLACK_APP_TOKEN", "  ")

    assert load().socket_mode is False


def test_missing_tokens_name_both_and_say_where_to_get_them():
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)

    message = str(caught.value)
    assert "SLACK_BOT_TOKEN is not set" in message
    assert "SLACK_SIGNING_SECRET is not set" in message
    assert "OAuth & Permissions" in message
    assert "Basic Information" in message
    assert "https://api.slack.com/apps" in message


@pytest.mark.parametrize(
    ("variable", "value", "where"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-111-SuperSecretUserToken", "OAuth & Permissions"),
        ("SLACK_SIGNING_SECRET", "   ", "Basic Information"),
        ("SLACK_APP_TOKEN", "xoxb-SuperSecretNotAnAppToken", "connections:write"),
        ("PORT", "0", "between 1 and 65535"),
        ("PORT", "abc", "between 1 and 65535"),
        ("PORT", "70000", "between 1 and 65535"),
        ("CADENCE_TIMEZONE", "Mars/Olympus_Mons", "IANA time zone"),
        ("LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING, ERROR"),
        ("LOG_FORMAT", "xml", "text or json"),
        ("WEB_CONCURRENCY", "0", "worker processes"),
        ("WEB_THREADS", "many", "request threads"),
        ("READYZ_OUTBOX_MAX_AGE", "-5", "pending outbox message"),
        ("DATABASE_URL", "mysql://root@localhost/cadence", "sqlite:///cadence.db"),
        ("SLACK_API_URL", "ftp://slack.example/api/", "https://slack.com/api/"),
        ("SLACK_API_URL", "not a url", "https://slack.com/api/"),
    ],
)
def test_malformed_value_names_the_variable_and_where_to_get_it(
    monkeypatch, variable, value, where
):
    message = config_error(monkeypatch, **{variable: value})

    assert f"{variable} is invalid" in message
    assert where in message
    assert "SuperSecret" not in message
    assert BOT_TOKEN not in message
    assert SIGNING_SECRET not in message


def test_every_bad_value_is_reported_at_once(monkeypatch):
    message = config_error(monkeypatch, PORT="abc", LOG_LEVEL="LOUD")

    assert "PORT is invalid" in message
    assert "LOG_LEVEL is invalid" in message


def test_database_url_with_sqlite3_scheme_is_a_config_error(monkeypatch):
    """The validator says "must start with sqlite:// or postgresql://" but only checks the first
    letters, so `sqlite3://` (or `postgresqlx://`, or plain `sqlite`) passes and fails later,
    at start-up, as "Cadence cannot reach its database: NoSuchModuleError"."""
    message = config_error(monkeypatch, DATABASE_URL="sqlite3:///cadence.db")

    assert "DATABASE_URL is invalid" in message


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://cadence@db:5432/cadence", "postgresql+psycopg://cadence@db:5432/cadence"),
        ("postgres://cadence@db:5432/cadence", "postgresql+psycopg://cadence@db:5432/cadence"),
        ("postgresql+psycopg://cadence@db/cadence", "postgresql+psycopg://cadence@db/cadence"),
        ("sqlite:////var/lib/cadence/cadence.db", "sqlite:////var/lib/cadence/cadence.db"),
    ],
)
def test_database_url_is_normalised_for_psycopg(given, expected):
    assert load(database_url=given).database_url == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:9999/api", "http://127.0.0.1:9999/api/"),
        ("https://slack.com/api/", "https://slack.com/api/"),
    ],
)
def test_slack_api_url_ends_with_a_slash(given, expected):
    assert load(slack_api_url=given).slack_api_url == expected


def test_log_level_is_case_insensitive():
    settings = load(log_level="debug")

    assert settings.log_level == "DEBUG"
    assert settings.log_level_number == 10


def test_dotenv_file_is_read_and_environment_overrides_it(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN={BOT_TOKEN}\n"
        f"SLACK_SIGNING_SECRET={SIGNING_SECRET}\n"
        "PORT=4000\n"
        "CADENCE_TIMEZONE=Europe/Paris\n"
        "SOMETHING_ELSE=ignored\n",
        encoding="utf-8",
    )

    from_file = load_settings()

    assert from_file.slack_bot_token.get_secret_value() == BOT_TOKEN
    assert from_file.slack_signing_secret.get_secret_value() == SIGNING_SECRET
    assert from_file.port == 4000
    assert from_file.cadence_timezone == "Europe/Paris"

    monkeypatch.setenv("PORT", "5000")
    assert load_settings().port == 5000


def test_secrets_never_appear_in_repr():
    settings = load(slack_app_token=APP_TOKEN)

    for shown in (repr(settings), str(settings)):
        assert BOT_TOKEN not in shown
        assert SIGNING_SECRET not in shown
        assert APP_TOKEN not in shown
        assert "SuperSecret" not in shown


def test_oauth_credentials_install_to_many_workspaces_without_a_bot_token(monkeypatch):
    monkeypatch.setenv("SLACK_CLIENT_ID", "1111.2222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("SLACK_STATE_SECRET", STATE_SECRET)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)

    settings = load_settings(env_file=None)

    assert settings.oauth and settings.slack_bot_token is None
    assert settings.slack_client_id == "1111.2222" and settings.slack_redirect_uri is None
    assert CLIENT_SECRET in settings.secrets and STATE_SECRET in settings.secrets


def test_oauth_credentials_go_together_and_the_missing_ones_are_named(monkeypatch):
    monkeypatch.setenv("SLACK_CLIENT_ID", "1111.2222")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)

    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)

    message = str(caught.value)
    assert "SLACK_CLIENT_SECRET is not set: installing to many workspaces needs" in message
    assert "SLACK_STATE_SECRET is not set" in message and "token_urlsafe" in message
    assert "SLACK_CLIENT_ID is not set" not in message
    assert "SLACK_BOT_TOKEN is not set" in message  # neither way of authenticating is complete


def test_a_short_state_secret_is_refused(monkeypatch):
    message = config_error(
        monkeypatch, SLACK_CLIENT_ID="1111.2222", SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_STATE_SECRET="short",
    )  # fmt: skip

    assert "SLACK_STATE_SECRET is invalid: must be at least 16 characters" in message
    assert "short" not in message.replace("must be at least", "")


def test_missing_bot_token_mentions_the_oauth_alternative():
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None, slack_signing_secret=SIGNING_SECRET)

    assert "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET" in str(caught.value)
