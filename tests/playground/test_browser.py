"""The playground in a real browser (Debian's Chromium, driven by Playwright): the main story,
with a screenshot at each step saved under tests/artifacts/ for review."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from playground.cast import BY_NAME, GOVERNANCE, RANDOM, VOTERS
from playground.runtime import Playground
from playground.web import make_page_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WAIT_MS = 15_000

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture
def page_url(seeded: Playground) -> Iterator[str]:
    server = make_page_server(seeded, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.closing = True
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(page_url: str) -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto(page_url)
        tab.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
        yield tab
        browser.close()
        assert errors == [], errors


class Story:
    """One person at a time in front of the page, and a screenshot per step."""

    def __init__(self, page: object) -> None:
        self.page = page
        self.shots = ARTIFACTS / f"playground-{datetime.now():%Y%m%d-%H%M%S}"
        self.shots.mkdir(parents=True, exist_ok=True)
        self.step = 0

    def shot(self, name: str) -> None:
        self.step += 1
        self.page.screenshot(path=self.shots / f"{self.step:02d}-{name}.png")

    def be(self, name: str) -> None:
        """Switch who is in front of the page, and wait until the page shows their view."""
        user = BY_NAME[name].id
        self.page.select_option("[data-testid=person]", user)
        expect(self.page.locator("body")).to_have_attribute("data-user", user, timeout=WAIT_MS)

    def open(self, channel: str) -> None:
        self.page.click(f"#channels li[data-channel='{channel}']")
        expect(self.page.locator("#main")).to_have_attribute("data-channel", channel)

    def type(self, text: str) -> None:
        box = self.page.locator("[data-testid=composer]")
        box.fill(text)
        box.press("Enter")

    def modal(self) -> object:
        modal = self.page.locator("[data-testid=modal]")
        expect(modal).to_be_visible(timeout=WAIT_MS)
        return modal

    def field(self, label: str) -> object:
        return self.modal().locator(f".bk-input[data-label='{label}']")

    def message(self, text: str) -> object:
        found = self.page.locator("#messages article[data-testid=message]", has_text=text).last
        expect(found).to_be_visible(timeout=WAIT_MS)
        return found


def test_the_main_story_in_a_browser(seeded: Playground, page: object) -> None:
    story = Story(page)
    maria = BY_NAME["maria"]

    # Eve raises an escalation from #random; the form refuses a bad link next to the field.
    story.be("eve")
    story.open(RANDOM)
    story.type("/escalate the refund bot promised credits outside policy")
    modal = story.modal()
    story.field("Workflow").locator("select").select_option(label="Support resolution")
    story.field("Decision point").locator("select").select_option(label="Policy exception")
    story.field("Severity").get_by_label("sev-2").check()
    story.field("Link").locator("input").fill("ftp://files/refunds")
    story.shot("escalation-form")
    modal.locator("button[type=submit]").click()
    expect(story.field("Link").locator(".bk-error")).to_contain_text("http", timeout=WAIT_MS)
    story.shot("form-errors")
    story.field("Link").locator("input").fill("https://tickets.example/4411")
    modal.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=modal]")).to_be_hidden(timeout=WAIT_MS)
    expect(story.message("Escalation #2")).to_contain_text("Only visible to you")
    story.shot("escalation-confirmed")

    # Maria, the owner, finds the DM and acknowledges; the message changes in place.
    story.be("maria")
    story.open("D" + maria.id)
    ts = story.message("Escalation #2 on").get_attribute("data-ts")
    dm = page.locator(f"#messages article[data-ts='{ts}']")
    dm.get_by_role("button", name="Acknowledge").click()
    expect(dm).to_contain_text("Acknowledged by @maria", timeout=WAIT_MS)  # updated in place
    expect(dm.get_by_role("button", name="Acknowledge")).to_have_count(0)
    story.shot("acknowledged")

    # Next Monday 09:00: the weekly thread opens; five people vote.
    page.get_by_role("button", name="Next Monday 09:00").click()
    expect(page.locator("[data-testid=now]")).to_contain_text("Mon", timeout=WAIT_MS)
    story.open(GOVERNANCE)
    week = seeded.clock().strftime("%-d %b")
    thread = story.message(f"week of {week}")
    choices = ["Continue", "Continue", "Stabilize", "Continue", "Continue"]
    for voter, choice in zip(VOTERS, choices, strict=True):
        story.be(voter.name)
        answers = page.locator("#messages article.ephemeral", has_text="Your vote")
        before = answers.count()
        button = story.message(f"week of {week}").get_by_role("button", name=re.compile(choice))
        button.click()
        expect(answers).to_have_count(before + 1, timeout=WAIT_MS)
    expect(story.message(f"week of {week}")).to_contain_text("5 votes", timeout=WAIT_MS)
    story.shot("five-votes")

    # Maria's Home tab lists the decision that waits on her.
    story.be("maria")
    story.open("home")
    expect(page.locator("#home")).to_contain_text(
        f"week of {seeded.clock():%d %b}", timeout=WAIT_MS
    )
    story.shot("home-before")

    # She records the decision in the modal; the thread says so, and her Home tab updates.
    story.open(GOVERNANCE)
    story.message(f"week of {week}").get_by_role("button", name="Record decision").click()
    story.field("Decision").get_by_label("Continue as planned").check()
    story.field("Rationale").locator("textarea, input").fill("Quality holds at 96%; carry on.")
    story.shot("decision-form")
    story.modal().locator("button[type=submit]").click()
    expect(story.modal()).to_contain_text("recorded", timeout=WAIT_MS)
    story.modal().locator("header .close").click()
    expect(story.message(f"week of {week}")).to_contain_text("Decided", timeout=WAIT_MS)
    story.message(f"week of {week}").get_by_role("button", name="1 reply").click()
    expect(page.locator("#thread")).to_contain_text("Decision: Continue as planned")
    story.shot("decided")
    story.open("home")
    expect(page.locator("#home")).not_to_contain_text(f"week of {seeded.clock():%d %b})",
                                                      timeout=WAIT_MS)  # fmt: skip
    story.shot("home-after")
    assert thread is not None and len(list(story.shots.glob("*.png"))) == story.step


def test_a_channels_canvas_shows_in_its_tab_and_follows_a_decision(
    seeded: Playground, page: object
) -> None:
    story = Story(page)
    story.be("maria")
    story.open(GOVERNANCE)
    canvas = page.locator("[data-testid=canvas]")
    expect(canvas).to_be_hidden()
    page.locator("[data-testid=tab-canvas]").click()
    expect(canvas).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("[data-testid=canvas-title]")).to_have_text(
        "Support resolution: escalation map and decision log"
    )
    heading = canvas.locator(".canvas-doc h1").first
    expect(heading).to_have_text("Support resolution: escalation map")
    expect(canvas.locator("table th").first).to_have_text("Decision point")
    expect(canvas).to_contain_text("Outcome owner: @maria")  # a mention, not ![](@U…)
    expect(canvas).not_to_contain_text("![](")
    story.shot("canvas")
    # The KPI tree as nested lists, one level deeper per level of the tree.
    tree = canvas.locator("h2", has_text="KPI tree")
    tree.scroll_into_view_if_needed()
    nested = canvas.locator(".canvas-list .canvas-list .canvas-list .canvas-list > li")
    expect(nested.first).to_contain_text("target")
    story.shot("canvas-kpi-tree")

    # A decision with a rationale that looks like markup: recorded in the thread as usual…
    rationale = "Hold steady <img src=x onerror=alert(1)> **not bold** ![](@UEVIL)"
    page.locator("[data-testid=tab-messages]").click()
    page.get_by_role("button", name="Next Monday 09:00").click()
    expect(page.locator("[data-testid=now]")).to_contain_text("Mon", timeout=WAIT_MS)
    week = seeded.clock().strftime("%-d %b")
    story.message(f"week of {week}").get_by_role("button", name="Record decision").click()
    story.field("Decision").get_by_label("Stabilize before scaling").check()
    story.field("Rationale").locator("textarea, input").fill(rationale)
    story.modal().locator("button[type=submit]").click()
    expect(story.modal()).to_contain_text("recorded", timeout=WAIT_MS)
    story.modal().locator("header .close").click()

    # …and the canvas tab, kept current by the bot, shows it as plain text at the log's top.
    edits = int(canvas.get_attribute("data-edits") or 0)
    page.locator("[data-testid=tab-canvas]").click()
    expect(canvas).to_contain_text(rationale, timeout=WAIT_MS)
    assert int(canvas.get_attribute("data-edits") or 0) > edits
    expect(canvas.locator("img")).to_have_count(0)
    expect(canvas.locator("blockquote").first).to_have_text(rationale)
    entry = canvas.locator("h2", has_text="Stabilize before scaling").first
    entry.scroll_into_view_if_needed()
    expect(entry).to_be_visible()
    story.shot("canvas-after-decision")
