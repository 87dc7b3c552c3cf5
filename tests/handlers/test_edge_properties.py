"""Every parser at the edge, fed anything (property-based, with hypothesis): each one returns
what it promises or raises the domain's InvalidInput with a message for the person, never
another exception; and what they build stays inside Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.errors import CadenceError
from cadence.escalations import raising
from cadence.governance import scorecard
from cadence.governance.schedule import Schedule
from cadence.governance.settings import parse_schedule_change
from cadence.text import ECHO_MAX, quote, unescape
from cadence.vocabulary import ScorecardMetric
from handlers.blocks.escalation_modals import build_escalation_modal
from handlers.commands.escalate import METADATA_MAX, SHOW, form_metadata, read_command_text
from handlers.commands.request import split_subcommand
from handlers.parsing import (
    parse_workflow_add,
    require_one_user,
    split_quoted,
    strip_users,
    user_mentions,
)
from handlers.payloads import MAX_ID, STALE_FORM, parse_id
from handlers.payloads import form_metadata as read_metadata
from storage.models import Workflow
from tests.blockkit import assert_within_limits

PURE = settings(max_examples=100, deadline=None, database=None)
BUILDS = settings(max_examples=40, deadline=None, database=None)  # builds and checks a modal
PIECES = [
    "<@UMARIA>", "<@W0X|x>", "@maria", "<#CGOV|gov>", "<#C0X>", "in", "outcome", "risk", "high",
    "risk:", "low", '"', "“", "”", ":", "#budget", "#sev1", "#nope", "Monday", "9am", "25:00",
    "Europe/Paris", "UTC", "Mars/Base", "..", "/", "&lt;", "&amp;", "\n", "\u200b", "x" * 90,
]  # fmt: skip
typed = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=10)), max_size=12).map(" ".join),
)


def answers(call: object) -> object:
    """Call it: a value, or a CadenceError with something to say (anything else fails)."""
    try:
        return call()  # type: ignore[operator]
    except CadenceError as error:
        assert error.user_message.strip()
        assert len(error.user_message) < 3000, "a refusal Slack would not show"
        return error


@PURE
@given(text=typed)
def test_workflow_add_reads_any_text_or_says_why_not(text):
    spec = answers(lambda: parse_workflow_add(text))
    if not isinstance(spec, CadenceError):
        assert not user_mentions(spec.name)
        assert spec.name == spec.name.strip()


@PURE
@given(text=typed)
def test_mentions_and_quotes_are_read_from_any_text(text):
    found = answers(lambda: require_one_user(text, example="/owner outcome @maria X"))
    if isinstance(found, str):
        assert f"<@{found}" in text
    assert all(f"<@{u}" in text for u in user_mentions(text))
    assert "<@" not in strip_users(text) or not user_mentions(strip_users(text))
    quoted, _ = split_quoted(text)
    assert quoted is None or quoted == " ".join(quoted.split())
    head, _ = split_subcommand(text)
    assert head == head.lower() and " " not in head


@BUILDS
@given(text=typed, channel=st.sampled_from(["CGOV", "C0GENERAL", "D0X"]))
def test_escalate_text_fills_the_form_and_the_form_fits_slack(text, channel):
    workflow = Workflow(
        id=1,
        team_id="T",
        name="Support resolution",
        name_key="support resolution",
        channel_id="CGOV",
        created_by="U",
    )
    prefill = read_command_text(text, [workflow], channel_id=channel)
    metadata = form_metadata(channel, text)
    assert len(metadata) <= METADATA_MAX
    kept = json.loads(metadata)
    assert kept["channel"] == channel and text.startswith(kept["text"])
    view = build_escalation_modal([workflow], prefill=prefill, metadata=metadata)
    assert_within_limits(view, "modal")
    if match := SHOW.match(text.lower()):
        assert 0 <= int(match.group(1)) <= 999_999_999


@PURE
@given(text=typed)
def test_schedule_changes_are_read_from_any_text(text):
    current = Schedule("UTC", 0, 9, 0)
    changed = answers(lambda: parse_schedule_change(text, current))
    if isinstance(changed, Schedule):
        assert 0 <= changed.governance_weekday <= 6
        assert 0 <= changed.governance_hour <= 23 and 0 <= changed.governance_minute <= 59


ODD_NUMBERS = ["1e400", "nan", "-0", "inf", "1,240", "12.5 %", "٣", "0x10", "1_000"]


@PURE
@given(
    metric=st.sampled_from(list(ScorecardMetric)),
    text=st.one_of(st.none(), typed, st.sampled_from(ODD_NUMBERS)),
)
def test_scorecard_values_are_numbers_in_range_or_refused(metric, text):
    if metric not in scorecard.REPORTED:
        return
    value = answers(lambda: scorecard.parse_value(metric, text))
    if isinstance(value, float):
        assert 0 <= value <= scorecard.NUMBER_MAX


@PURE
@given(tag=st.one_of(st.none(), typed))
def test_kind_tags_are_known_or_refused(tag):
    answers(lambda: raising.classify(tag))


@PURE
@given(
    raw=st.one_of(
        st.text(max_size=30),
        st.integers(-(2**80), 2**80),
        st.none(),
        st.booleans(),
        st.floats(allow_nan=True),
    )
)
def test_ids_from_slack_are_row_ids_or_none(raw):
    found = parse_id(raw)
    assert found is None or 1 <= found <= MAX_ID
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= MAX_ID:
        assert parse_id(str(raw)) == raw


@PURE
@given(
    raw=st.one_of(
        st.none(),
        st.text(max_size=60),
        st.integers(),
        st.lists(st.integers()),
        st.dictionaries(st.text(max_size=5), st.integers()).map(json.dumps),
    )
)
def test_private_metadata_is_our_json_object_or_an_out_of_date_form(raw):
    found = answers(lambda: read_metadata({"private_metadata": raw}))
    assert isinstance(found, dict) or found.user_message == STALE_FORM


@PURE
@given(text=st.text(max_size=500), limit=st.integers(2, 200))
def test_echoed_text_is_one_short_escaped_line(text, limit):
    shown = quote(text, limit)
    assert "\n" not in shown and "<" not in shown and ">" not in shown
    assert len(unescape(shown)) <= limit
    assert ECHO_MAX == 80


def test_a_day_and_time_parse_once_more_for_the_record():
    """The happy path still works after all that (a guard on the properties above)."""
    changed = parse_schedule_change("Wednesday 14:30 Europe/Paris", Schedule())
    assert changed == Schedule("Europe/Paris", 2, 14, 30)
    assert parse_workflow_add('Support in <#CGOV|gov> outcome "faster" risk high').name == "Support"
    assert datetime.now(UTC).year >= 2026
