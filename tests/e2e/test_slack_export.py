"""/cadence export in Slack: the file arrives in the person's DM through the upload protocol."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from bot.ratelimit import MethodLimiter
from cadence.evidence.exports import ExportRequest, stream_rows
from cadence.evidence.formats import cell_text, restore
from cadence.evidence.periods import Period
from tests.cadence.report_history import PARIS, seed_two_months
from tests.cast import DANA, EVE, MARIA
from tests.e2e.helpers import audit_actions, run, said

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def history(bot, clock) -> dict[str, int]:
    # The seeded history queues ~190 notices and updates; neither channel pacing nor Slack's
    # per-method budgets are what this proves (tests/bot/test_delivery.py and test_ratelimit.py
    # do), so they go at once instead of holding the deliverer for real seconds.
    bot.deliverer.channel_pace = 0
    bot.deliverer.limiter = MethodLimiter({})
    with bot.session() as db:
        ids = seed_two_months(db, clock, team_id=bot.sim.team_id)
    clock.current = NOW
    return ids


def uploaded(bot, user: str) -> list:
    """The files shared in the person's DM, once the upload after the answer is done."""
    bot.fake.wait_for(lambda: any(f.channel == "D" + user for f in bot.fake.shared_files))
    return [f for f in bot.fake.shared_files if f.channel == "D" + user]


def expected_rows(bot, *, workflow_ids=None) -> list[dict]:
    start, end = Period(datetime(2026, 10, 1).date(), 3).bounds(PARIS)
    request = ExportRequest(
        "decisions",
        team_id=bot.sim.team_id,
        since=start,
        until=end,
        workflow_ids=workflow_ids,
        default_zone=PARIS,
    )
    with bot.session() as db:
        return list(stream_rows(db, request))


def test_a_council_member_gets_the_csv_in_their_dm(bot, frozen_clock):
    history(bot, frozen_clock)

    answer = run(bot, "/cadence", "export decisions csv Q4 2026", user=DANA)
    (made,) = uploaded(bot, DANA)

    assert answer["response_type"] == "ephemeral"
    assert "Sending `cadence-decisions-2026-Q4.csv`" in said(answer)
    methods = [
        c.method for c in bot.fake.calls if c.method.startswith(("files.", "conversations.open"))
    ]
    assert methods[-3:] == [
        "conversations.open",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert made.filename == "cadence-decisions-2026-Q4.csv" and bot.fake.upload(
        made.file_id
    ).length == len(made.content)
    read = list(csv.DictReader(io.StringIO(made.content.decode("utf-8-sig"), newline="")))
    expected = expected_rows(bot)
    assert len(read) == len(expected) > 5
    assert [{k: restore(v) for k, v in row.items()} for row in read] == [
        {k: cell_text(v) for k, v in row.items()} for row in expected
    ]
    (dm,) = [m for m in bot.fake.dms(DANA) if m.get("files")]
    assert dm["text"] == f"Your export of decisions, Q4 2026: {len(expected)} rows."
    assert "evidence.exported" in audit_actions(bot)


def test_an_outcome_owner_gets_only_their_workflows_as_json(bot, frozen_clock):
    ids = history(bot, frozen_clock)

    run(bot, "/cadence", "export decisions json Q4 2026", user=MARIA)
    (made,) = uploaded(bot, MARIA)

    rows = [json.loads(line) for line in made.content.decode().splitlines()]
    assert rows == expected_rows(bot, workflow_ids=(ids["support"],))
    assert {r["workflow"] for r in rows} == {"Support resolution"}


def test_others_are_refused_and_bad_requests_explained_without_any_upload(bot, frozen_clock):
    history(bot, frozen_clock)

    refused = said(run(bot, "/cadence", "export decisions csv", user=EVE))
    unknown = said(run(bot, "/cadence", "export decision csv", user=DANA))
    empty = said(run(bot, "/cadence", "export", user=DANA))
    xlsx = said(run(bot, "/cadence", "export decisions xlsx", user=DANA))

    assert "AI council members, workspace admins and outcome owners" in refused
    assert "There is no export kind 'decision'. Kinds: decisions, escalations" in unknown
    assert "`/cadence export decisions csv last quarter`" in empty
    assert xlsx.startswith("I export csv, json or md, not xlsx.")
    assert "know the period" not in xlsx
    assert bot.fake.shared_files == []
