"""The 30-day reset's messages: the checklist, the Monday DM, the end summary and the status."""

from __future__ import annotations

from typing import Any

from cadence.people import is_api_actor, mention
from cadence.reset.items import ItemResult, ItemState, tally
from cadence.reset.view import ResetView
from cadence.vocabulary import ResetStatus
from handlers.blocks.kit import (
    cap_blocks,
    context,
    escape,
    fallback_text,
    header,
    section,
    truncate,
)
from slackfake.limits import LIMITS

PART_MAX = 280  # each of an item's detail, what is missing and who should act
MARKS = {
    ItemState.DONE: ":white_check_mark:",
    ItemState.DONE_LATE: ":ballot_box_with_check:",
    ItemState.OPEN: ":hourglass_flowing_sand:",
    ItemState.LATE: ":warning:",
    ItemState.MISSED: ":x:",
}


def _who(view: ResetView, item: ItemResult) -> str:
    by = item.who or ""
    person = by[:1] in ("U", "W") or is_api_actor(by)  # else Cadence itself did it
    name = mention(by) if person else ("Cadence" if by else "")
    when = view.local(item.when) if item.when is not None else ""
    return ", ".join(p for p in (name, when) if p)


def item_line(view: ResetView, item: ItemResult) -> str:
    """One item: done by whom and when, or what is missing and who should act (late: said)."""
    title = f"{MARKS[item.state]} *{escape(item.title)}*"
    detail = truncate(item.detail, PART_MAX)
    if item.state in (ItemState.DONE, ItemState.DONE_LATE):
        late = " _(done late)_" if item.state == ItemState.DONE_LATE else ""
        parts = [p for p in (detail, _who(view, item)) if p]
        return f"{title}{late} — " + " · ".join(parts) if parts else title + late
    missing = truncate(item.missing, PART_MAX)
    if item.state == ItemState.MISSED:
        return f"{title} — *missed*: {missing}"
    late = ""
    if item.state == ItemState.LATE:
        ended = view.calendar.week_last_day(item.week)
        late = f"*late* (week {item.week} ended {ended:%a %d %b}): "
    act = f"\n      _Next:_ {truncate(item.act, PART_MAX)}" if item.act else ""
    return f"{title} — {late}{missing}{act}"


def _week_heading(view: ResetView, week: int) -> str:
    first, last = view.calendar.week_first_day(week), view.calendar.week_last_day(week)
    return f"*Week {week}* · {first:%a %d %b} to {last:%a %d %b}"


def _status_line(view: ResetView) -> str:
    reset = view.reset
    started = f"Started by {mention(reset.started_by)} on {reset.start_day:%a %d %b}"
    if reset.status == ResetStatus.STOPPED and reset.ended_at is not None:
        why = escape(truncate(reset.end_reason or "", 500))
        by = mention(reset.ended_by or "")
        return f"{started} · *stopped early* by {by}, {view.local(reset.ended_at)}: {why}"
    piles = tally(view.items)
    counts = f"{len(piles['done'])} done, {len(piles['late'])} late, {len(piles['missed'])} missed"
    if reset.status == ResetStatus.FINISHED:
        return f"{started} · *finished* {view.calendar.week_last_day(4):%a %d %b}: {counts}"
    line = (
        f"{started} · day *{view.day}* of 30 (week {view.week}) · ends "
        f"{view.calendar.week_last_day(4):%a %d %b}"
    )
    if reset.parallel_reason:
        line += f"\nRuns beside another reset: {escape(truncate(reset.parallel_reason, 500))}"
    return line


def build_checklist(view: ResetView) -> list[dict[str, Any]]:
    """The checklist message in the governance channel, redrawn as items get done."""
    blocks: list[dict[str, Any]] = [
        header(f"30-day accountability reset: {view.workflow.name}"),
        section(_status_line(view)),
    ]
    for week in range(1, 5):
        lines = [_week_heading(view, week)]
        lines += [item_line(view, i) for i in view.items if i.week == week]
        blocks.append(section("\n".join(lines)))
    blocks.append(
        context(
            "Every item is checked from Cadence's records, never ticked by hand; this message "
            "follows them within a minute. An item still open after its week shows as late. "
            "`/cadence reset status` · `/cadence reset stop WORKFLOW: REASON`"
        )
    )
    return cap_blocks(blocks, LIMITS.message_blocks, more="…")


def checklist_text(view: ResetView) -> str:
    """The checklist's notification text."""
    piles = tally(view.items)
    return fallback_text(
        f"30-day accountability reset of {escape(view.workflow.name)}: day {view.day} of 30, "
        f"{len(piles['done']) + len(piles['late'])} of {len(view.items)} items done"
    )


def build_monday_dm(view: ResetView, *, week: int) -> dict[str, Any]:
    """The outcome owner's Monday DM: what is due this week, and what is late."""
    due = [i for i in view.items if i.week == week and i.state in (ItemState.OPEN, ItemState.LATE)]
    late = [i for i in view.items if i.week < week and i.state == ItemState.LATE]
    ends = view.calendar.week_last_day(week)
    text = (
        f":spiral_calendar_pad: Week {week} of the 30-day reset of *{escape(view.workflow.name)}* "
        f"(due by the end of {ends:%a %d %b})"
    )
    lines = [item_line(view, i) for i in due] or ["Nothing left to do this week. :tada:"]
    blocks = [section(text), section("*Due this week*\n" + "\n".join(lines))]
    if late:
        blocks.append(
            section("*Late from earlier weeks*\n" + "\n".join(item_line(view, i) for i in late))
        )
    blocks.append(
        context(
            f"The checklist is in <#{view.workflow.channel_id}>; "
            "`/cadence reset status` shows it too."
        )
    )
    return {"text": fallback_text(text), "blocks": blocks}


def build_summary(view: ResetView) -> dict[str, Any]:
    """The summary at the end of the reset: done, late and missed."""
    piles = tally(view.items)
    how = "stopped early" if view.reset.status == ResetStatus.STOPPED else "is over"
    text = (
        f"The 30-day reset of {escape(view.workflow.name)} {how}: {len(piles['done'])} done, "
        f"{len(piles['late'])} late, {len(piles['missed'])} missed"
    )
    blocks: list[dict[str, Any]] = [
        header(f"30-day reset of {view.workflow.name}: summary"),
        section(_status_line(view)),
    ]
    for pile, label in (
        ("done", "Done"),
        ("late", "Late (done after its week)"),
        ("missed", "Missed"),
    ):
        lines = [item_line(view, i) for i in piles[pile]] or ["_none_"]
        blocks.append(section(f"*{label}: {len(piles[pile])}*\n" + "\n".join(lines)))
    following = f"*{escape(view.next_name)}*" if view.next_name else "_not set_"
    blocks.append(
        context(f"Next 30-day focus: {following}. Start it with `/cadence reset WORKFLOW`.")
    )
    return {
        "text": fallback_text(text),
        "blocks": cap_blocks(blocks, LIMITS.message_blocks, more="…"),
    }


def build_status(views: list[ResetView]) -> list[dict[str, Any]]:
    """`/cadence reset status`: every running reset, where it stands and what is next."""
    if not views:
        return [section("No 30-day reset is running. Start one with `/cadence reset WORKFLOW`.")]
    blocks: list[dict[str, Any]] = [header(f"30-day resets running: {len(views)}")]
    for view in views:
        piles = tally(view.items)
        waiting = [i for i in view.items if i.state in (ItemState.OPEN, ItemState.LATE)]
        late = [i for i in waiting if i.state == ItemState.LATE]
        lines = [
            f"*{escape(view.workflow.name)}* in <#{view.workflow.channel_id}> — "
            f"{_status_line(view)}",
            f"{len(piles['done']) + len(piles['late'])} of {len(view.items)} done, "
            f"{len(late)} late",
        ]
        lines += [item_line(view, i) for i in (late or waiting)[:3]]
        blocks.append(section("\n".join(lines)))
    return cap_blocks(blocks, LIMITS.message_blocks, more="More resets not shown.")
