"""`cadence-bot playground` as a person runs it: no tokens, a page on loopback, Ctrl-C stops it."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

from bot.cli import main
from tests.bot.test_cli import clean_env


def test_a_non_loopback_host_from_the_environment_is_refused(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert main(["playground", "--empty"]) == 2
    err = capsys.readouterr().err
    assert "listens on 127.0.0.1" in err and "--host 0.0.0.0" in err
    assert not (tmp_path / "playground.db").exists()  # refused before anything started


def test_playground_needs_no_token_serves_the_page_and_stops_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "playground.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "playground", "--empty", "--port", "0"],
            cwd=tmp_path,
            env=clean_env(),  # no SLACK_* variable at all
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"http://127\.0\.0\.1:(\d+)/", log.read_text())):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)  # waiting for a starting process; there is no clock to inject
        base = found.group(0)
        with urlopen(base, timeout=5) as page:
            assert b"You are:" in page.read()
        with urlopen(base + "api/workspace", timeout=5) as answer:
            workspace = json.load(answer)
        assert len([p for p in workspace["people"] if p["role"]]) == 12
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (tmp_path / "playground.db").exists()
    assert (tmp_path / "playground.state.json").exists()
    assert "Traceback" not in log.read_text()
