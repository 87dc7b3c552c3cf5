"""The council report as Block Kit data: attention first, inside Slack's limits however big."""

from __future__ import annotations

from cadence.evidence.figures import Attention, CouncilMatter, Latency, ReportFigures, Section
from handlers.blocks.council_report import build_council_report, report_text
from slackfake.forms import all_text
from tests.blockkit import assert_within_limits

LONG = "A very long workflow name | with *stars* & <angle> brackets " * 3


def busy_month(workflows: int, matters: int) -> ReportFigures:
    section = Section(
        decisions={"continue": 2, "stabilize": 1, "pause": 1, "redesign": 1},
        sessions=6,
        undecided=1,
        still_open=1,
        latency=Latency.of([3600, 7200, 90000]),
        previous_latency=Latency.of([1800]),
        escalations=4,
        by_kind={"policy_exception": 3, "budget_overrun": 1},
        by_severity={"sev1": 1, "sev3": 3},
        by_tier={"0": 3, "2": 1},
        ack=Latency.of([600]),
        resolve=Latency.of([7200]),
        council_raised=1,
        council_resolved=0,
        gaps=2,
        gaps_closed=1,
        actions_due=3,
        actions_on_time=1,
        actions_late=1,
        actions_overdue=1,
        other={"risk.breach_started": 2},
    )
    return ReportFigures(
        team_id="T1",
        period="2026-11",
        label="November 2026",
        timezone="Europe/Paris",
        attention=[Attention(kind="trend", text="x" * 2000)] * 3,
        total=section,
        workflows=[
            section.model_copy(update={"workflow": f"{LONG}{i}", "workflow_id": i})
            for i in range(workflows)
        ],
        quiet_workflows=[LONG] * 40,
        council_matters=[
            CouncilMatter(
                escalation_id=i,
                workflow=LONG,
                matter="budget_overrun",
                severity="sev2",
                summary="s" * 300,
                raised_on="2026-11-02",
                resolved_on="2026-11-03",
                resolution="r" * 500,
            )
            for i in range(matters)
        ],
    )


def test_a_busy_month_fits_one_message_and_says_what_was_left_out():
    figures = busy_month(workflows=80, matters=15)
    blocks = build_council_report(figures)

    assert len(blocks) == 50
    assert_within_limits({"blocks": blocks}, "message", text=report_text(figures))
    assert "`cadence-bot export` has every row" in all_text(blocks[-1:])
    text = all_text(blocks)
    assert text.index("Needs the council's attention") < text.index("In total")
    shown = text.count("budget overrun (sev-2)")
    assert f"…and {15 - shown} more" in text and 0 < shown <= 10
    assert "&lt;angle&gt;" in text and "<angle>" not in text


def test_the_figures_read_as_sentences():
    figures = busy_month(workflows=1, matters=1)
    text = all_text(build_council_report(figures))

    assert (
        "Decisions: 2 continue · 1 stabilize · 1 pause · 1 stop · 0 skipped; "
        "1 left undecided, 1 still open (of 6 threads)" in text
    )
    assert (
        "Decision latency: median 2 h, worst 25 h (slower; the month before: median 30 min)" in text
    )
    assert "sev-1 1, sev-3 3; tier reached first owner 3, 2 climbs 1" in text
    assert "Follow-up actions due: 3: 1 done on time, 1 done late, 1 overdue" in text
    assert "Also recorded: risk-review triggers crossed 2" in text
    assert report_text(figures).endswith("3 things need the council's attention.")
    one = figures.model_copy(update={"attention": figures.attention[:1]})
    assert report_text(one).endswith(": 1 thing needs the council's attention.")


def test_a_quiet_month_is_one_line():
    quiet = ReportFigures(team_id="T1", period="2026-09", label="September 2026", timezone="UTC")
    blocks = build_council_report(quiet)

    assert len(blocks) == 2 and "No activity in September 2026" in all_text(blocks)
    assert report_text(quiet) == "AI council report, September 2026: no activity."


def test_the_report_says_whether_the_audit_log_verified():
    figures = busy_month(2, 1)
    intact = figures.model_copy(update={"audit_rows": 1234, "audit_newest_hash": "ab" * 32})
    text = all_text(build_council_report(intact))
    assert "Audit log verified: 1,234 rows in an unbroken hash chain, newest hash `abababab" in text

    problem = (
        "audit row 7 (#3 of workspace T1, vote by UEVIL) was edited: its content no longer "
        "matches its hash."
    )
    broken = figures.model_copy(update={"audit_rows": 2, "audit_problem": problem})
    blocks = build_council_report(broken)
    assert "The audit log did not verify." in all_text(blocks[1:2]), "said first"
    assert "Audit log verified" not in all_text(blocks)
    assert_within_limits({"blocks": blocks}, "message")

    quiet = ReportFigures(team_id="T1", period="2026-09", label="September 2026", timezone="UTC",
                          audit_rows=0)  # fmt: skip
    assert "Audit log verified: 0 rows" in all_text(build_council_report(quiet))
    assert "Audit log" not in all_text(build_council_report(figures)), "not checked: not said"
