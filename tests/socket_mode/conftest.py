"""Cadence served over Socket Mode, against the fake Slack's WebSocket endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.app import build_app, build_deliverer
from bot.outbox_worker import OutboxWorker
from bot.socket_mode import SocketModeServer
from slackfake import FakeSlack
from slackfake.socket_sim import SocketSim
from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import RunningBot, assert_everything_sent_fits_block_kit, make_settings

APP_TOKEN = "xapp-1-A0001-test"
# Short pings, so a half-dead connection is noticed within a test's patience.
PING_INTERVAL = 0.5


@pytest.fixture
def bot(fake_slack: FakeSlack, tmp_path) -> Iterator[RunningBot]:
    """Cadence connected over Socket Mode (`bot.sim` sends envelopes), its outbox running."""
    settings = make_settings(
        fake_slack, f"sqlite:///{tmp_path / 'bot.db'}", slack_app_token=APP_TOKEN
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    deliverer = build_deliverer(settings, engine, retries=False, channel_pace=0.05)
    worker = OutboxWorker(deliverer, interval=0.2)
    app = build_app(settings, engine, on_commit=worker.kick)
    server = SocketModeServer(app, APP_TOKEN, api_url=fake_slack.url, ping_interval=PING_INTERVAL)
    server.start()
    worker.start()
    fake_slack.wait_for_link()
    yield RunningBot(settings, engine, fake_slack, SocketSim(fake_slack), deliverer, "socket")
    server.close()
    worker.stop()
    engine.dispose()
    assert_everything_sent_fits_block_kit(fake_slack)
