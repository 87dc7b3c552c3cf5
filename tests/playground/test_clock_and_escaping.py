"""The playground's clock moves, Slack's escaping of typed commands, and where the page listens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from playground.clock import Move, SimulatedClock, next_monday_nine, this_monday_nine
from playground.escaping import escape_command_text
from playground.main import NotLoopback, is_loopback, page_host

PEOPLE = [
    {"id": "U1", "name": "maria"},
    {"id": "U2", "name": "li"},
    {"id": "U3", "name": "gone", "deleted": True},
]
CHANNELS = [{"id": "C1", "name": "random"}, {"id": "C2", "name": "ai-support-gov"}]


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("outcome @maria Support resolution", "outcome <@U1|maria> Support resolution"),
        ("workflow add X in #ai-support-gov", "workflow add X in <#C2|ai-support-gov>"),
        ("council add @Maria, @li.", "council add <@U1|Maria>, <@U2|li>."),
        (
            "Refunds: bot said <b> & more #policy-exception",
            "Refunds: bot said &lt;b&gt; &amp; more #policy-exception",
        ),
        ("@nobody @gone see https://x.test/a?b=1", "@nobody @gone see <https://x.test/a?b=1>"),
        ("mail maria@example.com", "mail maria@example.com"),
    ],
)
def test_typed_text_is_escaped_as_slack_does(typed: str, sent: str) -> None:
    assert escape_command_text(typed, people=PEOPLE, channels=CHANNELS) == sent


def test_next_and_this_monday_nine_in_the_workspace_zone() -> None:
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert next_monday_nine(friday, "UTC") == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert this_monday_nine(friday, "UTC") == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    early_monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert next_monday_nine(early_monday, "UTC") == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert this_monday_nine(early_monday, "UTC") == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    # 09:00 in Paris is 08:00 UTC in winter.
    assert next_monday_nine(friday, "Europe/Paris") == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_the_clock_moves_forward_by_the_controls() -> None:
    clock = SimulatedClock()
    start = clock()
    after_hour = clock.move(Move.HOUR, "UTC")
    assert timedelta(minutes=59) < after_hour - start < timedelta(minutes=61)
    assert clock.move(Move.DAY, "UTC") - after_hour >= timedelta(days=1)
    monday = clock.move(Move.MONDAY, "UTC")
    assert (monday.weekday(), monday.hour, monday.minute) == (0, 9, 0)
    assert clock() >= monday and abs(clock.epoch() - clock().timestamp()) < 1


def test_the_page_stays_on_loopback_unless_told() -> None:
    assert page_host(None, None) == "127.0.0.1"
    assert page_host(None, "localhost") == "localhost"
    assert page_host("0.0.0.0", "10.1.2.3") == "0.0.0.0"  # said explicitly
    with pytest.raises(NotLoopback, match=r"--host 0\.0\.0\.0"):
        page_host(None, "0.0.0.0")
    assert is_loopback("127.0.0.2") and is_loopback("::1") and not is_loopback("example.com")
