"""Shared fixtures: a fake Slack, databases (SQLite and PostgreSQL), a clock, a running bot."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bot.api.app import IntegrationApi, build_api
from bot.app import build_app, build_deliverer
from bot.config import Settings, load_settings
from bot.delivery import OutboxDeliverer
from bot.outbox_worker import OutboxWorker
from bot.serve import EVENTS_PATH, make_http_server
from slackfake import FakeSlack
from slackfake.limits import LIMITS
from slackfake.sim import SlackSim
from storage import clock
from storage.db import make_engine, new_session
from storage.migrate import upgrade
from tests.blockkit import assert_within_limits
from tests.cast import populate
from tests.postgres_reset import MigratedPostgres

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
POSTGRES_URL = os.environ.get(
    "CADENCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlack]:
    """One fake Slack Web API for the whole run."""
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack(fake_slack_server: FakeSlack) -> FakeSlack:
    """The fake, emptied and populated with the standard workspace."""
    fake_slack_server.reset()
    populate(fake_slack_server)
    return fake_slack_server


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.current += timedelta(**delta)


@pytest.fixture
def frozen_clock() -> Iterator[FrozenClock]:
    """Cadence's clock, frozen at a Monday morning, UTC."""
    frozen = FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    clock.set_clock(frozen)
    yield frozen
    clock.set_clock(None)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A throwaway PostgreSQL database for this run, or None when no server is reachable."""
    admin_url = make_url(POSTGRES_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means "no PostgreSQL here"
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI at {POSTGRES_URL}: {exc}")
        yield None
        return
    name = f"cadence_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_postgres(url: str) -> Engine:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return engine


# Migrating SQLite takes ~0.15 s and copying a migrated file ~1 ms: hundreds of tests want a
# migrated, empty database, so it is migrated once per run and copied for every test.


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the latest migration, checkpointed into one file (copy it, never
    open it: use `copy_migrated_sqlite`)."""
    path = tmp_path_factory.mktemp("template") / "cadence.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def copy_migrated_sqlite(template: Path, path: Path) -> str:
    """Copy the migrated template to `path`; the URL of this test's own migrated database."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_postgres(postgres_database: str | None) -> MigratedPostgres | None:
    """The run's PostgreSQL database, emptied between tests rather than migrated for each
    (see tests/postgres_reset.py), or None when no server is reachable."""
    return None if postgres_database is None else MigratedPostgres(postgres_database)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    migrated_sqlite: Path,
    migrated_postgres: MigratedPostgres | None,
) -> Iterator[Engine]:
    """A migrated, empty database of this test's own on each supported backend."""
    if request.param == "sqlite":
        engine = make_engine(copy_migrated_sqlite(migrated_sqlite, tmp_path / "cadence.db"))
        yield engine
        engine.dispose()
        return
    if migrated_postgres is None:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    engine = migrated_postgres.empty_engine()
    yield engine
    engine.dispose()


@pytest.fixture
def engine(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite database of this test's own."""
    engine = make_engine(copy_migrated_sqlite(migrated_sqlite, tmp_path / "cadence.db"))
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on the SQLite database."""
    session = new_session(engine)
    yield session
    session.close()


def make_settings(fake: FakeSlack, database_url: str, **extra: object) -> Settings:
    """Settings pointing at the fake Slack, ignoring any developer .env file."""
    return load_settings(
        env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.url,
        database_url=database_url,
        **extra,
    )


@dataclass
class RunningBot:
    """The real bot serving HTTP on a free port, with its outbox worker running."""

    settings: Settings
    engine: Engine
    fake: FakeSlack
    sim: SlackSim
    deliverer: OutboxDeliverer
    url: str
    api: IntegrationApi | None = None

    @property
    def api_url(self) -> str:
        """Where the integration API is served: http://127.0.0.1:PORT/api/v1."""
        return self.url.removesuffix(EVENTS_PATH) + "/api/v1"

    def session(self) -> Session:
        """A session to inspect what the bot stored."""
        return new_session(self.engine)


@pytest.fixture
def bot(fake_slack: FakeSlack, tmp_path: Path, migrated_sqlite: Path) -> Iterator[RunningBot]:
    """Cadence running as in production (HTTP mode), talking to the fake Slack."""
    # Starting on the migrated copy leaves `running_bot`'s own upgrade nothing to do.
    database_url = copy_migrated_sqlite(migrated_sqlite, tmp_path / "bot.db")
    settings = make_settings(fake_slack, database_url)
    yield from running_bot(settings, fake_slack)


@contextmanager
def serve_bot(fake_slack: FakeSlack, database_url: str) -> Iterator[RunningBot]:
    """The `bot` fixture's bot on any database: serving HTTP in this process, delivering."""
    serving = running_bot(make_settings(fake_slack, database_url), fake_slack)
    running = next(serving)
    try:
        yield running
    except BaseException:
        serving.close()  # stops the bot without the closing Block Kit check
        raise
    next(serving, None)  # stops the bot, then checks what it sent against Block Kit


def running_bot(settings: Settings, fake: FakeSlack) -> Iterator[RunningBot]:
    """Serve Cadence with `settings` on a free port, its outbox worker running, until closed."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    # Pacing is real but short here; tests/bot/test_delivery.py checks Slack's 1 s pacing.
    deliverer = build_deliverer(settings, engine, retries=False, channel_pace=0.05)
    worker = OutboxWorker(deliverer, interval=0.2)
    app = build_app(settings, engine, on_commit=worker.kick)
    api = build_api(
        engine,
        default_zone=settings.cadence_timezone,
        per_minute=settings.api_rate_per_minute,
        burst=settings.api_rate_burst,
        on_commit=worker.kick,
    )
    server = make_http_server(app, host="127.0.0.1", port=0, api=api)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    worker.start()
    url = f"http://127.0.0.1:{server.server_port}{EVENTS_PATH}"
    try:
        yield RunningBot(
            settings, engine, fake, SlackSim(url, SIGNING_SECRET, fake), deliverer, url, api
        )
    finally:
        worker.stop()
        server.shutdown()
        server.server_close()
        engine.dispose()
    assert_everything_sent_fits_block_kit(fake)


def assert_everything_sent_fits_block_kit(fake: FakeSlack) -> None:
    """Every message, answer, modal and Home view the bot sent stays inside Block Kit's limits."""
    messages = [
        c.params
        for c in fake.calls
        if c.method in ("chat.postMessage", "chat.postEphemeral", "chat.update")
    ]
    for message in [*messages, *fake.responses()]:
        text = message.get("text") or ""
        assert len(text) <= LIMITS.message_text, (
            f"message text of {len(text)} characters: {text[:80]}"
        )
        if message.get("blocks"):
            assert_within_limits({"blocks": message["blocks"]}, "message", text=text)
    for call in fake.calls:
        if call.method in ("views.open", "views.push", "views.update", "views.publish"):
            view = call.params["view"]
            assert_within_limits(view, "home" if view.get("type") == "home" else "modal")


@pytest.fixture
def slack_client(fake_slack: FakeSlack) -> WebClient:
    """slack_sdk's WebClient, with the bot's token, talking to the fake."""
    return WebClient(token=BOT_TOKEN, base_url=fake_slack.url)
