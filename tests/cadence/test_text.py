"""Escaping user text for Slack mrkdwn."""

from __future__ import annotations

import pytest

from cadence.text import escape, has_markup, unescape


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain", "plain"),
        ("R&D", "R&amp;D"),
        ("<!here>", "&lt;!here&gt;"),
        ("<@U1> & <#C1>", "&lt;@U1&gt; &amp; &lt;#C1&gt;"),
        ("&lt;", "&amp;lt;"),
    ],
)
def test_escape_and_unescape_round_trip(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped
    assert unescape(escaped) == raw


def test_unescape_reads_slack_escaped_command_text() -> None:
    assert unescape("Q&amp;A &lt;b&gt;") == "Q&A <b>"


@pytest.mark.parametrize(("text", "markup"), [("a < b", True), ("x>", True), ("Q&A", False)])
def test_has_markup(text: str, markup: bool) -> None:
    assert has_markup(text) is markup
