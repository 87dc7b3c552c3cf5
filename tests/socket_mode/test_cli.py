"""`cadence-bot run` over Socket Mode, as a real process (gunicorn's master and one worker): it
serves, and when Slack will not serve it (Socket Mode disabled, app token refused) it says so
and the whole server exits with status 3, instead of a worker reconnecting in a loop."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from slackfake import FakeSlack
from slackfake.socket_sim import SocketSim
from tests.bot.test_cli import START_TIMEOUT, free_port, slack_env
from tests.cast import EVE
from tests.socket_mode.conftest import APP_TOKEN

EXIT_SLACK_REFUSED = 3


def start(fake: FakeSlack, workdir: Path) -> tuple[subprocess.Popen, Path]:
    """`cadence-bot run` with an app token, its log in workdir/bot.log."""
    log = workdir / "bot.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=workdir,
            env=slack_env(fake, workdir, SLACK_APP_TOKEN=APP_TOKEN, PORT=str(free_port())),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return process, log


def stopped(process: subprocess.Popen, timeout: float) -> int:
    try:
        return process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_run_serves_over_socket_mode_and_stops_on_sigterm(fake_slack, tmp_path):
    process, log = start(fake_slack, tmp_path)
    try:
        fake_slack.wait_for_link(timeout=START_TIMEOUT)
        reply = SocketSim(fake_slack).command("/cadence", "help", user=EVE)
        assert reply.status == 200 and "Cadence commands" in reply.body
        process.send_signal(signal.SIGTERM)
    finally:
        code = stopped(process, timeout=15)
    text = log.read_text()
    assert code == 0, text
    assert "connected to Slack over Socket Mode" in text and "Cadence stopped." in text
    assert "Traceback" not in text and APP_TOKEN not in text


def test_link_disabled_is_a_clear_log_line_and_exit_3_not_a_reconnect_loop(fake_slack, tmp_path):
    process, log = start(fake_slack, tmp_path)
    try:
        fake_slack.wait_for_link(timeout=START_TIMEOUT)
        fake_slack.disable_socket_mode()
    finally:
        code = stopped(process, timeout=15)
    text = log.read_text()
    assert code == EXIT_SLACK_REFUSED, text
    assert "Slack disabled Socket Mode for this app (disconnect: link_disabled)" in text
    assert "Turn Socket Mode back on" in text
    assert len(fake_slack.calls_to("apps.connections.open")) == 1  # no second connection
    assert "Traceback" not in text


def test_a_refused_app_token_is_a_clear_message_and_exit_3(fake_slack, tmp_path):
    fake_slack.refuse_connections("invalid_auth")
    process, log = start(fake_slack, tmp_path)
    code = stopped(process, timeout=START_TIMEOUT)
    text = log.read_text()
    assert code == EXIT_SLACK_REFUSED, text
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in text
    assert len(fake_slack.calls_to("apps.connections.open")) == 1
    assert "Traceback" not in text
