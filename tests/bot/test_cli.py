"""`cadence-bot` as an operator runs it: real subprocesses, a clean environment, a fake Slack.

Each subprocess spends ~3 s importing, so the one-shot commands are launched together once
per module (each in its own directory) and the tests read what each of them did.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from cadence.outbox import post_message
from slackfake import FakeSlack
from slackfake.sim import SlackSim
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from tests.cast import GENERAL, MARIA
from tests.conftest import BOT_TOKEN, SIGNING_SECRET

REPO = Path(__file__).resolve().parents[2]
CADENCE_VARIABLES = {"DATABASE_URL", "PORT", "CADENCE_TIMEZONE", "LOG_LEVEL"}
REVOKED_TOKEN = "xoxb-revoked-0000"
# How long a starting `cadence-bot` may take: importing alone took 12-18 s on the shared 2-core
# development machine under load, so the limit is for a process that is stuck, not slow.
START_TIMEOUT = 120


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment (CI included) without Slack or Cadence settings, + `values`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith("SLACK_") and name.upper() not in CADENCE_VARIABLES
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(values)
    return env


def slack_env(fake: FakeSlack, workdir: Path, **values: str) -> dict[str, str]:
    """Fake tokens, the fake Slack and a database in `workdir`."""
    settings = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": f"sqlite:///{workdir / 'cadence.db'}",
    }
    return clean_env(**{**settings, **values})


def start_cadence_bot(workdir: Path, *args: str, env: dict[str, str]) -> subprocess.Popen:
    """Start `python -m bot.cli ARGS` in `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def cli_fake() -> Iterator[FakeSlack]:
    """A fake Slack of the CLI runs' own, accepting only BOT_TOKEN."""
    with FakeSlack(tokens=[BOT_TOKEN]) as fake:
        yield fake


@pytest.fixture(scope="module")
def cli_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory per scenario lives under here."""
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def runs(cli_fake: FakeSlack, cli_root: Path) -> dict[str, subprocess.CompletedProcess]:
    """Every one-shot command, run concurrently, by scenario name."""
    root = cli_root
    outbox = root / "deliver-outbox"
    outbox.mkdir()
    engine = make_engine(f"sqlite:///{outbox / 'cadence.db'}")
    upgrade(engine)
    with session_scope(engine) as db:
        post_message(db, key="cli-job", channel=GENERAL, text="Sent by the CLI job")
    engine.dispose()

    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        busy = str(taken.getsockname()[1])
        scenarios = {
            "no-tokens": ([], clean_env()),
            "unknown-job": (["jobs", "run", "nope"], clean_env()),
            "db-upgrade": (
                ["db", "upgrade"],
                clean_env(DATABASE_URL=f"sqlite:///{root / 'db-upgrade' / 'data' / 'c.db'}"),
            ),
            "deliver-outbox": (
                ["jobs", "run", "deliver-outbox"],
                slack_env(cli_fake, outbox),
            ),
            "check-ok": (["check"], slack_env(cli_fake, root / "check-ok")),
            "check-rejected": (
                ["check"],
                slack_env(cli_fake, root / "check-rejected", SLACK_BOT_TOKEN=REVOKED_TOKEN),
            ),
            "busy-port": (["run"], slack_env(cli_fake, root / "busy-port", PORT=busy)),
        }
        started = {
            name: start_cadence_bot(root / name, *args, env=env)
            for name, (args, env) in scenarios.items()
        }
        results = {}
        for name, process in started.items():
            try:
                # Generous: seven interpreters start at once, on a machine others share.
                stdout, stderr = process.communicate(timeout=START_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                stdout, stderr = process.communicate()
            results[name] = subprocess.CompletedProcess(
                process.args, process.returncode, stdout, stderr
            )
    return results


def test_without_tokens_exits_2_saying_what_is_missing_and_where_to_get_it(runs):
    result = runs["no-tokens"]

    assert result.returncode == 2, result.stderr
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "SLACK_SIGNING_SECRET" in result.stderr
    assert "https://api.slack.com/apps" in result.stderr
    assert "OAuth & Permissions" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_job_exits_2_listing_known_jobs(runs):
    result = runs["unknown-job"]

    assert result.returncode == 2, result.stderr
    assert "'nope'" in result.stderr
    assert "deliver-outbox" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_needs_only_database_url(runs, cli_root):
    result = runs["db-upgrade"]

    assert result.returncode == 0, result.stderr
    assert "Database is at revision" in result.stdout
    assert (cli_root / "db-upgrade" / "data" / "c.db").exists()


def test_jobs_run_deliver_outbox_sends_what_is_due_and_prints_a_summary(runs, cli_fake):
    result = runs["deliver-outbox"]

    assert result.returncode == 0, result.stderr
    assert "deliver-outbox: sent 1, retrying 0, failed 0, deferred 0" in result.stdout
    assert [m["text"] for m in cli_fake.messages(GENERAL)] == ["Sent by the CLI job"]


def test_check_with_working_token_prints_ok_lines(runs, cli_fake):
    result = runs["check-ok"]

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   Slack token works: bot @cadence in Cadence Test." in result.stdout
    assert "ok   Will serve Slack over HTTP on port 3000" in result.stdout
    assert "FAIL" not in result.stdout
    answered = [c for c in cli_fake.calls_to("auth.test") if c.ok]
    assert [c.headers.get("authorization") for c in answered] == [f"Bearer {BOT_TOKEN}"]
    assert BOT_TOKEN not in result.stdout + result.stderr


def test_check_with_rejected_token_exits_1_with_a_plain_fail_line(runs, cli_fake):
    result = runs["check-rejected"]

    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in result.stdout
    assert "OAuth & Permissions" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert [c.error for c in cli_fake.calls_to("auth.test") if not c.ok] == ["invalid_auth"]


def test_run_on_a_busy_port_explains_instead_of_a_traceback(runs):
    result = runs["busy-port"]
    output = result.stdout + result.stderr

    assert result.returncode != 0
    assert "Traceback" not in output, output
    assert "PORT" in output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(process: subprocess.Popen, port: int, log: Path) -> None:
    """Poll /healthz for up to START_TIMEOUT; fail with the bot's log if it never answers."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the bot exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.1)  # polling a starting process; there is no clock to inject here
    pytest.fail(f"/healthz did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


def test_run_serves_signed_commands_rejects_forgeries_and_stops_on_sigterm(fake_slack, tmp_path):
    port = free_port()
    log = tmp_path / "bot.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=tmp_path,
            env=slack_env(fake_slack, tmp_path, PORT=str(port)),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(process, port, log)
        sim = SlackSim(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, fake_slack)

        reply = sim.command("/cadence", "help", user=MARIA)

        assert reply.status == 200, reply.body
        assert reply.elapsed < 3
        assert reply.json is not None and reply.json.get("response_type") != "in_channel"
        for command in ("/cadence workflow add", "/owner outcome", "/escalate", "/cadence help"):
            assert command in reply.body
        assert fake_slack.calls_to("chat.postMessage") == []
        assert fake_slack.messages() == []

        body = urlencode({"command": "/cadence", "text": "help", "user_id": MARIA}).encode()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        now = int(time.time())
        forged = {
            "unsigned": form,
            "wrong secret": {**form, **sim.signed_headers(body, secret="not-the-secret")},
            "six minutes old": {**form, **sim.signed_headers(body, timestamp=now - 360)},
        }
        for name, headers in forged.items():
            assert sim.post_raw(body, headers).status == 401, name

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output_text = log.read_text()
    assert "Received SIGTERM, stopping." in output_text
    assert "Cadence stopped." in output_text
    assert "Traceback" not in output_text
    assert BOT_TOKEN not in output_text
