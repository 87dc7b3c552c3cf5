"""Logs: JSON lines with the request's context, and no token or secret, whatever the format."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from bot.app import ContextExecutor
from bot.logs import REQUEST, RequestContext, configure_logging
from handlers.errors import handle_error

BOT_TOKEN = "xoxb-1111-2222-SuperSecretBotToken"
APP_TOKEN = "xapp-1-A0001-333-SuperSecretAppToken"
SIGNING_SECRET = "plain-signing-secret-value"
API_TOKEN = "cad_" + "Q3kP9-x_" * 5 + "abc"  # /cadence api token create's shape


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Put the root logger back as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    """What was logged to stderr, each line parsed as JSON (it must be)."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def test_json_lines_carry_time_level_logger_and_message(capsys):
    configure_logging(logging.INFO, json_lines=True)

    logging.getLogger("cadence.test").warning("Outbox has %d messages", 3)

    (line,) = json_lines(capsys)
    assert line["level"] == "WARNING"
    assert line["logger"] == "cadence.test"
    assert line["message"] == "Outbox has 3 messages"
    assert line["time"].endswith("+00:00") and "T" in line["time"]


def test_json_lines_say_which_request_also_from_a_listener_thread(capsys):
    configure_logging(logging.INFO, json_lines=True)
    log = logging.getLogger("cadence.test")
    token = REQUEST.set(RequestContext(kind="command /escalate", team="T0001", user="UEVE"))
    try:
        with ContextExecutor(max_workers=1) as pool:
            pool.submit(log.info, "in the listener").result()
    finally:
        REQUEST.reset(token)
    log.info("after the request")

    inside, after = json_lines(capsys)
    assert (inside["kind"], inside["team"], inside["user"]) == ("command /escalate", "T0001",
                                                                 "UEVE")  # fmt: skip
    assert "kind" not in after and "team" not in after


def test_json_lines_carry_latency_and_the_error_id_of_an_unhandled_error(capsys):
    configure_logging(logging.INFO, json_lines=True)
    logging.getLogger("cadence.http").info("answered", extra={"latency_ms": 12.5, "status": 200})

    handle_error(RuntimeError("database on fire"), {}, client=None)  # type: ignore[arg-type]

    request, error = json_lines(capsys)
    assert request["latency_ms"] == 12.5 and request["status"] == 200
    assert error["level"] == "ERROR"
    assert len(error["error_id"]) == 8 and error["message"].endswith(error["error_id"])
    assert "RuntimeError: database on fire" in error["exception"]


@pytest.mark.parametrize("json_lines_on", [True, False], ids=["json", "text"])
def test_tokens_and_secrets_are_redacted_in_messages_arguments_and_tracebacks(
    capsys, json_lines_on
):
    configure_logging(logging.DEBUG, json_lines=json_lines_on, secrets=[SIGNING_SECRET])
    log = logging.getLogger("cadence.test")

    log.info("token %s and app token %s", BOT_TOKEN, APP_TOKEN)
    log.info(f"secret {SIGNING_SECRET} inline")
    try:
        raise ValueError(f"bad auth with {BOT_TOKEN}")
    except ValueError:
        log.exception("call failed")
    log.info("refresh token xoxe-1-abcdef and user token xoxp-99-88")
    log.info("integration API token %s", API_TOKEN)

    output = capsys.readouterr().err
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, "xoxe-1-abcdef", "xoxp-99-88", API_TOKEN):
        assert secret not in output
    assert output.count("[redacted]") >= 7
    if json_lines_on:
        assert all(json.loads(line) for line in output.splitlines())
    else:
        assert "ValueError: bad auth with [redacted]" in output


def test_logs_go_to_the_stderr_of_the_moment_not_a_closed_one(monkeypatch) -> None:
    """A thread still logging after stderr was replaced (and the old one closed, as pytest's
    capture does between tests) writes to the new one rather than failing on the old."""
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging(logging.INFO)
    logging.getLogger("cadence").info("while the first was open")
    monkeypatch.setattr(sys, "stderr", second)
    first.close()
    logging.getLogger("cadence").info("after it was closed")
    assert "after it was closed" in second.getvalue()
