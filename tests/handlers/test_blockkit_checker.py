"""The Block Kit checker catches each limit: each case passes at the limit, fails just past it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.blockkit import assert_within_limits, sdk_problems, text_objects


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def opt(text: str = "One", value: str = "1") -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def button(**extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain("Go"), "action_id": "go", **extra}


def select(kind: str = "static_select", options: list | None = None, **extra: Any) -> dict:
    return {"type": kind, "action_id": "pick", "options": options or [opt()], **extra}


def input_block(element: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "input", "block_id": "in", "label": plain("Label"), "element": element, **extra}


def modal(blocks: list | None = None, **extra: Any) -> dict[str, Any]:
    view = {
        "type": "modal",
        "callback_id": "cb",
        "title": plain("Title"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": blocks if blocks is not None else [section()],
    }
    view.update(extra)
    return view


def home(blocks: list | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks if blocks is not None else [section()], **extra}


def options(n: int, *, prefix: str = "") -> list[dict[str, Any]]:
    return [opt(f"{prefix}{i}", f"{prefix}{i}") for i in range(n)]


Make = Callable[[Any], Any]

# (id, surface, make(arg), arg at the limit (passes), arg past it (fails), expected message)
CASES: list[tuple[str, str, Make, Any, Any, str]] = [
    ("message blocks", "message", lambda n: [{"type": "divider"}] * n, 50, 51,
     "blocks: 51 items > 50"),
    ("modal blocks", "modal", lambda n: modal([{"type": "divider"}] * n), 100, 101,
     "blocks: 101 items > 100"),
    ("home blocks", "home", lambda n: home([{"type": "divider"}] * n), 100, 101,
     "blocks: 101 items > 100"),
    ("empty message", "message", lambda n: [section()] * n, 1, 0, "blocks: 0 items < 1"),
    ("section text", "message", lambda n: [{"type": "divider"}] * 3 + [section("x" * n)],
     3000, 3001, "blocks[3].text.text: 3001 > 3000"),
    ("empty section text", "message", lambda s: [section(s)], "x", "",
     "blocks[0].text.text: 0 < 1"),
    ("section needs text or fields", "message",
     lambda ok: [section() if ok else {"type": "section"}], True, False,
     "blocks[0]: a section needs text or fields"),
    ("section fields count", "message",
     lambda n: [{"type": "section", "fields": [mrkdwn("f")] * n}], 10, 11,
     "blocks[0].fields: 11 items > 10"),
    ("section field text", "message",
     lambda n: [{"type": "section", "fields": [mrkdwn("f"), mrkdwn("x" * n)]}], 2000, 2001,
     "blocks[0].fields[1].text: 2001 > 2000"),
    ("header text", "message", lambda n: [{"type": "header", "text": plain("h" * n)}], 150, 151,
     "blocks[0].text.text: 151 > 150"),
    ("header is plain text", "message", lambda f: [{"type": "header", "text": f("h")}], plain,
     mrkdwn, "blocks[0].text.type: 'mrkdwn' is not plain_text"),
    ("context elements", "message", lambda n: [{"type": "context", "elements": [mrkdwn("c")] * n}],
     10, 11, "blocks[0].elements: 11 items > 10"),
    ("context text", "message", lambda n: [{"type": "context", "elements": [mrkdwn("c" * n)]}],
     3000, 3001, "blocks[0].elements[0].text: 3001 > 3000"),
    ("actions elements", "message",
     lambda n: [{"type": "actions", "elements": [button(action_id=f"b{i}") for i in range(n)]}],
     25, 26, "blocks[0].elements: 26 items > 25"),
    ("input label", "modal", lambda n: modal([{**input_block(select()), "label": plain("l" * n)}]),
     2000, 2001, "blocks[0].label.text: 2001 > 2000"),
    ("input hint", "modal", lambda n: modal([input_block(select(), hint=plain("h" * n))]), 2000,
     2001, "blocks[0].hint.text: 2001 > 2000"),
    ("button text", "message",
     lambda n: [section(accessory=button(text=plain("b" * n)))], 75, 76,
     "blocks[0].accessory.text.text: 76 > 75"),
    ("button value", "message", lambda n: [section(accessory=button(value="v" * n))], 2000, 2001,
     "blocks[0].accessory.value: 2001 > 2000"),
    ("button url", "message", lambda n: [section(accessory=button(url="u" * n))], 3000, 3001,
     "blocks[0].accessory.url: 3001 > 3000"),
    ("button style", "message", lambda s: [section(accessory=button(style=s))], "danger", "green",
     "blocks[0].accessory.style: 'green' is not primary or danger"),
    ("action_id length", "message", lambda n: [section(accessory=button(action_id="a" * n))], 255,
     256, "blocks[0].accessory.action_id: 256 > 255"),
    ("block_id length", "message", lambda n: [section(block_id="b" * n)], 255, 256,
     "blocks[0].block_id: 256 > 255"),
    ("block_ids unique", "message",
     lambda same: [section(block_id="a"), section(block_id="a" if same else "b")], False, True,
     "blocks[1].block_id: 'a' repeats blocks[0].block_id"),
    ("block_ids unique in a modal", "modal",
     lambda same: modal([input_block(select()), {**input_block(select()),
                                                 "block_id": "in" if same else "in2"}]),
     False, True, "blocks[1].block_id: 'in' repeats blocks[0].block_id"),
    ("action_ids unique in a block", "message",
     lambda same: [{"type": "actions", "elements": [button(action_id="a"),
                                                    button(action_id="a" if same else "b")]}],
     False, True, "blocks[0]: action_id 'a' used twice in one block"),
    ("input needs an action_id", "modal",
     lambda ok: modal([input_block(select() if ok else {"type": "users_select"})]), True, False,
     "blocks[0].element.action_id: required but missing"),
    ("static_select options", "modal", lambda n: modal([input_block(select(options=options(n)))]),
     100, 101, "blocks[0].element.options: 101 items > 100"),
    ("multi_static_select options", "modal",
     lambda n: modal([input_block(select("multi_static_select", options(n)))]), 100, 101,
     "blocks[0].element.options: 101 items > 100"),
    ("empty static_select", "modal",
     lambda n: modal([input_block({**select(), "options": [opt()] * n})]),
     1, 0, "blocks[0].element.options: 0 items < 1"),
    ("radio_buttons options", "modal",
     lambda n: modal([input_block(select("radio_buttons", options(n)))]), 10, 11,
     "blocks[0].element.options: 11 items > 10"),
    ("option text", "modal",
     lambda n: modal([input_block(select(options=[opt("t" * n)]))]), 75, 76,
     "blocks[0].element.options[0].text.text: 76 > 75"),
    ("option value", "modal",
     lambda n: modal([input_block(select(options=[opt(value="v" * n)]))]), 150, 151,
     "blocks[0].element.options[0].value: 151 > 150"),
    ("select option text is plain", "modal",
     lambda f: modal([input_block(select(options=[{"text": f("One"), "value": "1"}]))]), plain,
     mrkdwn, "blocks[0].element.options[0].text.type: 'mrkdwn' is not plain_text"),
    ("option values unique", "modal",
     lambda v: modal([input_block(select(options=[opt("A", "1"), opt("B", v)]))]), "2", "1",
     "blocks[0].element.options: repeated option value(s) ['1']"),
    ("initial_option in options", "modal",
     lambda o: modal([input_block(select(options=options(3), initial_option=o))]), opt("1", "1"),
     opt("One", "1"),
     "blocks[0].element.initial_option: option 'One'='1' is not one of the options"),
    ("initial_option matches the whole text object", "modal",
     lambda o: modal([input_block(select(options=options(3), initial_option=o))]), opt("1", "1"),
     {"text": {**plain("1"), "emoji": True}, "value": "1"},
     "blocks[0].element.initial_option: option '1'='1' is not one of the options"),
    ("initial_options in options", "modal",
     lambda o: modal([input_block(select("multi_static_select", options(3), initial_options=[
         opt("0", "0"), o]))]), opt("2", "2"), opt("2", "9"),
     "blocks[0].element.initial_options[1]: option '2'='9' is not one of the options"),
    ("radio initial_option in options", "modal",
     lambda o: modal([input_block(select("radio_buttons", options(3), initial_option=o))]),
     opt("2", "2"), opt("3", "3"),
     "blocks[0].element.initial_option: option '3'='3' is not one of the options"),
    ("placeholder", "modal",
     lambda n: modal([input_block(select(placeholder=plain("p" * n)))]), 150, 151,
     "blocks[0].element.placeholder.text: 151 > 150"),
    ("plain_text_input max_length", "modal",
     lambda n: modal([input_block({"type": "plain_text_input", "action_id": "t",
                                   "max_length": n})]), 3000, 3001,
     "blocks[0].element.max_length: 3001 is outside 1..3000"),
    ("modal type", "modal", lambda t: modal(type=t), "modal", "home",
     "view.type: 'home' != 'modal'"),
    ("modal title", "modal", lambda n: modal(title=plain("t" * n)), 24, 25,
     "view.title.text: 25 > 24"),
    ("modal title required", "modal",
     lambda ok: modal() if ok else {k: v for k, v in modal().items() if k != "title"}, True, False,
     "view.title: required but missing"),
    ("modal submit", "modal", lambda n: modal(submit=plain("s" * n)), 24, 25,
     "view.submit.text: 25 > 24"),
    ("modal close", "modal", lambda n: modal(close=plain("c" * n)), 24, 25,
     "view.close.text: 25 > 24"),
    ("modal callback_id", "modal", lambda n: modal(callback_id="c" * n), 255, 256,
     "view.callback_id: 256 > 255"),
    ("modal private_metadata", "modal", lambda n: modal(private_metadata="m" * n), 3000, 3001,
     "view.private_metadata: 3001 > 3000"),
    ("modal with inputs needs submit", "modal",
     lambda ok: {k: v for k, v in modal([input_block(select())]).items() if ok or k != "submit"},
     True, False, "view.submit: a modal with input blocks needs a submit button"),
    ("home type", "home", lambda t: home(type=t), "home", "modal", "view.type: 'modal' != 'home'"),
    ("home has no title", "home", lambda ok: home() if ok else home(title=plain("Hi")), True, False,
     "view: unknown field(s) title"),
    ("message text", "message", lambda n: {"text": "t" * n, "blocks": [section()]}, 4000, 4001,
     "text: 4001 > 4000 (kit.fallback_text's limit)"),
    ("message text hard limit", "message", lambda n: {"text": "t" * n, "blocks": [section()]},
     4000, 40001, "text: 40001 > 40000"),
    ("unknown block type", "message", lambda t: [{"type": t}], "divider", "banner",
     "blocks[0].type: unknown or unsupported block type 'banner'"),
    ("accessory type", "message",
     lambda t: [section(accessory={"type": t, "action_id": "x", "placeholder": plain("p")})],
     "users_select", "plain_text_input",
     "blocks[0].accessory.type: 'plain_text_input' is not allowed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("surface", "make", "good", "bad", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_checker_accepts_the_limit_and_rejects_past_it(
    surface: Any, make: Make, good: Any, bad: Any, expected: str
) -> None:
    assert_within_limits(make(good), surface)
    with pytest.raises(AssertionError, match=re.escape(expected)):
        assert_within_limits(make(bad), surface)


def test_checker_checks_the_notification_text_given_beside_blocks() -> None:
    assert_within_limits([section()], "message", text="t" * 4000)
    with pytest.raises(AssertionError, match=re.escape("text: 4001 > 4000")):
        assert_within_limits([section()], "message", text="t" * 4001)


def test_checker_reports_every_problem_with_its_path() -> None:
    blocks = [section("x" * 3012), {"type": "header", "text": plain("h" * 151)}]
    with pytest.raises(AssertionError) as caught:
        assert_within_limits(blocks, "message")
    message = str(caught.value)
    assert "blocks[0].text.text: 3012 > 3000" in message
    assert "blocks[1].text.text: 151 > 150" in message


def test_checker_rejects_surfaces_it_does_not_know() -> None:
    with pytest.raises(AssertionError, match="unknown surface 'attachment'"):
        assert_within_limits([section()], "attachment")  # type: ignore[arg-type]


def test_slack_sdk_models_also_validate_each_block_and_view() -> None:
    assert sdk_problems([section()], "message") == []
    assert sdk_problems(modal(), "modal") == []
    too_long_header = [{"type": "divider"}, {"type": "header", "text": plain("h" * 151)}]
    assert sdk_problems(too_long_header, "message") == [
        "blocks[1] (slack_sdk): SlackObjectFormationError: "
        "text attribute cannot exceed 150 characters"
    ]
    (problem,) = sdk_problems(modal(title=plain("t" * 25)), "modal")
    assert problem.startswith("view (slack_sdk):") and "title" in problem
    problems = sdk_problems(modal([input_block(select(options=options(101)))]), "modal")
    assert [p.split(" ")[0] for p in problems] == ["blocks[0]", "view"]
    assert all("options attribute cannot exceed 100 elements" in p for p in problems)


def test_text_objects_finds_nested_text_by_kind() -> None:
    view = modal([section("a"), input_block(select(placeholder=plain("p")))])
    assert text_objects(view, kind="mrkdwn") == ["a"]
    assert set(text_objects(view)) == {"Title", "Save", "Cancel", "a", "Label", "p", "One"}
