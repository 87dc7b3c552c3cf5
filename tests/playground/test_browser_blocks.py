"""Block Kit as the playground's page shows it, in Debian's Chromium: a message with every kind
of block, a confirm dialog, a message updated and deleted in place, a pushed modal."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from playground.cast import BY_NAME, RANDOM
from playground.runtime import BOT_TOKEN, Playground
from playground.web import make_page_server
from tests.playground.test_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, expect, sync_api

MARIA = BY_NAME["maria"]
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
CONFIRM = {
    "title": {"type": "plain_text", "text": "Delete the draft?"},
    "text": {"type": "plain_text", "text": "It cannot be undone."},
    "confirm": {"type": "plain_text", "text": "Delete"},
    "deny": {"type": "plain_text", "text": "Keep it"},
    "style": "danger",
}
GALLERY = [
    {"type": "header", "text": {"type": "plain_text", "text": "Gallery :tada:"}},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": f"*bold* _italic_ ~gone~ `code` <https://example.test/x|a link> "
            f"<@{MARIA.id}> <#{RANDOM}> &lt;kept&gt;\n• first\n• second",
        },
        "fields": [
            {"type": "mrkdwn", "text": "*Owner*\nLi"},
            {"type": "mrkdwn", "text": "*Risk*\nhigh"},
        ],
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "context line"},
                                     {"type": "image", "image_url": PIXEL, "alt_text": "dot"}]},
    {"type": "divider"},
    {
        "type": "actions",
        "block_id": "buttons",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "style": "primary",
             "action_id": "go", "value": "1"},
            {"type": "button", "text": {"type": "plain_text", "text": "Delete"}, "style": "danger",
             "action_id": "delete", "value": "2", "confirm": CONFIRM},
        ],
    },
    {"type": "image", "image_url": "https://example.test/chart.png", "alt_text": "weekly chart"},
    {
        "type": "rich_text",
        "elements": [
            {"type": "rich_text_section", "elements": [
                {"type": "text", "text": "Rich ", "style": {"bold": True}},
                {"type": "user", "user_id": MARIA.id}]},
            {"type": "rich_text_list", "style": "bullet", "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": "item"}]}]},
        ],
    },
]  # fmt: skip


def _input(block_id: str, label: str, element: dict) -> dict:
    element = {"action_id": "value", **element}
    return {"type": "input", "block_id": block_id, "label": {"type": "plain_text", "text": label},
            "element": element}  # fmt: skip


FORM = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "First"},
    "submit": {"type": "plain_text", "text": "Next"},
    "blocks": [
        _input("notes", "Notes", {"type": "plain_text_input", "multiline": True}),
        _input("who", "Who", {"type": "users_select"}),
        _input("when", "When", {"type": "datepicker", "initial_date": "2026-12-01"}),
        _input("checks", "Checks", {"type": "checkboxes", "options": [
            {"text": {"type": "plain_text", "text": "Tested"}, "value": "tested"}]}),
    ],
}  # fmt: skip


@pytest.fixture
def page(empty: Playground) -> Iterator[object]:
    server = make_page_server(empty, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1300, "height": 900})
        tab.goto(f"http://127.0.0.1:{server.server_port}/")
        tab.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
        tab.select_option("[data-testid=person]", MARIA.id)
        yield tab
        browser.close()
    server.closing = True
    server.shutdown()
    server.server_close()


def test_blocks_render_and_change_in_place(empty: Playground, page: object) -> None:
    sent: list[dict] = []
    act = empty.sim.act
    empty.sim.act = lambda source, **kw: sent.append(kw) or act(source, **kw)
    client = WebClient(token=BOT_TOKEN, base_url=empty.fake.url)
    posted = client.chat_postMessage(channel=RANDOM, text="Gallery", blocks=GALLERY)
    message = page.locator(f"article[data-ts='{posted['ts']}']")
    expect(message).to_be_visible(timeout=WAIT_MS)  # arrived live, no reload

    assert message.locator(".bk-header").inner_text() == "Gallery 🎉"
    section = message.locator(".bk-section-body > .mrkdwn")
    assert [section.locator(t).first.inner_text() for t in ("b", "i", "s", "code")] == [
        "bold", "italic", "gone", "code"]  # fmt: skip
    assert section.locator("a").get_attribute("href") == "https://example.test/x"
    assert section.locator(".mention").all_inner_texts() == ["@maria", "#random"]
    assert "<kept>" in section.inner_text() and section.locator("li").count() == 2
    assert message.locator(".bk-fields > *").count() == 2
    assert message.locator(".bk-context").inner_text().strip() == "context line"
    assert message.locator(".bk-context img").get_attribute("src") == PIXEL
    assert message.locator("hr.bk-divider").count() == 1
    assert "weekly chart" in message.locator(".bk-image .offline").inner_text()
    assert message.locator(".bk-rich b").inner_text().strip() == "Rich"
    assert message.locator(".bk-rich .mention").inner_text() == "@maria"
    expect(message.locator(".bk-button.primary")).to_have_text("Go")

    message.get_by_role("button", name="Delete").click()
    dialog = page.locator("[data-testid=confirm]")
    expect(dialog).to_contain_text("It cannot be undone.")
    dialog.get_by_role("button", name="Keep it").click()
    assert sent == []
    message.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog).to_be_hidden()
    page.wait_for_function("() => !document.querySelector('#confirm-layer:not([hidden])')")
    assert [(s["block_id"], s["action_id"], s["user"]) for s in sent] == [
        ("buttons", "delete", MARIA.id)]  # fmt: skip

    client.chat_update(channel=RANDOM, ts=posted["ts"], text="Now plain", blocks=[])
    expect(message).to_contain_text("Now plain", timeout=WAIT_MS)
    expect(message).to_contain_text("(edited)")
    client.chat_delete(channel=RANDOM, ts=posted["ts"])
    expect(message).to_have_count(0, timeout=WAIT_MS)


def test_modals_render_inputs_and_stack(empty: Playground, page: object) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=empty.fake.url)
    first = client.views_open(trigger_id=empty.fake.new_trigger_id(user=MARIA.id), view=FORM)
    modal = page.locator("[data-testid=modal]")
    expect(modal).to_contain_text("First", timeout=WAIT_MS)
    assert modal.locator("textarea").count() == 1
    assert modal.locator("input[type=date]").input_value() == "2026-12-01"
    assert "Maria Lopez (@maria)" in modal.locator("select").inner_text()
    assert modal.locator("input[type=checkbox]").count() == 1
    modal.get_by_role("button", name="Next").click()
    expect(modal.locator(".bk-input[data-label='Notes'] .bk-error")).to_have_text(
        "Please complete this required field.")  # fmt: skip

    pushed = {**FORM, "title": {"type": "plain_text", "text": "Second"}, "blocks": []}
    client.views_push(trigger_id=empty.fake.new_trigger_id(first["view"]["id"], user=MARIA.id),
                      view=pushed)  # fmt: skip
    expect(modal).to_contain_text("Second", timeout=WAIT_MS)
    modal.get_by_role("button", name="Cancel").click()
    expect(modal).to_contain_text("First", timeout=WAIT_MS)
    modal.locator("header .close").click()
    expect(modal).to_have_count(0, timeout=WAIT_MS)
    assert empty.fake.modals(MARIA.id) == []
