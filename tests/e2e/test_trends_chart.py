"""/cadence trends end to end: the chart goes up through Slack's external-upload protocol, and
the text trend stands when Slack refuses the chart."""

from __future__ import annotations

import json

from slackfake.forms import all_text
from tests.cast import EVE, GOV
from tests.e2e.test_governance import SUPPORT
from tests.e2e.test_trends import eight_weeks

PNG = b"\x89PNG\r\n\x1a\n"


def trends(bot) -> str:
    """Run /cadence trends in the governance channel; the response URL it answers at."""
    reply = bot.sim.command("/cadence", f"trends {SUPPORT}", user=EVE, channel=GOV)
    assert reply.status == 200 and reply.elapsed < 3
    return reply.response_url


def posted_text(bot) -> dict:
    bot.fake.wait_for(
        lambda: any("Scorecard trends" in all_text(m) for m in bot.fake.messages(GOV))
    )
    return next(m for m in bot.fake.messages(GOV) if "Scorecard trends" in all_text(m))


def test_the_chart_is_uploaded_to_the_channel_beside_the_text_trend(bot, frozen_clock):
    eight_weeks(bot, frozen_clock)
    trends(bot)
    text = all_text(posted_text(bot))
    assert "Scorecard trends: Support resolution — last 12 weeks" in text
    assert "`    ▁ ▄  ▆██` 3.1% → 4.9%" in text  # 12 weeks: the first four have no values
    bot.fake.wait_for("files.completeUploadExternal", timeout=60)  # matplotlib loads first
    [asked] = bot.fake.calls_to("files.getUploadURLExternal")
    [shared] = bot.fake.shared_files
    assert shared.content.startswith(PNG) and int(asked.params["length"]) == len(shared.content)
    assert asked.params["filename"] == "scorecard-trends.png"
    assert shared.channel == GOV and shared.title.startswith("Scorecard trends: Support resolution")
    [completed] = bot.fake.calls_to("files.completeUploadExternal")
    assert json.loads(completed.params["files"])[0]["id"] == shared.file_id
    assert completed.params["channel_id"] == GOV
    [message] = [m for m in bot.fake.messages(GOV) if m.get("files")]
    assert message["files"][0]["mimetype"] == "image/png"
    assert not bot.fake.ephemerals(EVE)


def test_a_refused_upload_leaves_the_text_trend_and_says_why(bot, frozen_clock):
    eight_weeks(bot, frozen_clock)
    bot.fake.fail("files.completeUploadExternal", error="not_in_channel")
    url = trends(bot)
    assert "3.1% → 4.9%" in all_text(posted_text(bot))
    [_, refusal] = bot.fake.wait_for_responses(2, key=url, timeout=60)
    assert refusal["response_type"] == "ephemeral"
    assert (
        "Slack refused the chart (not_in_channel at files.completeUploadExternal)"
        in (refusal["text"])
    )
    assert bot.fake.shared_files == []

    bot.fake.refuse_uploads = 1  # the upload URL itself fails
    again = trends(bot)
    [_, refusal] = bot.fake.wait_for_responses(2, key=again)
    assert "(HTTP 500 at upload)" in refusal["text"]
    assert bot.fake.shared_files == []
