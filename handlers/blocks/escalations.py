"""Escalation messages: the DM and notice with buttons, /escalate list and show, /cadence gaps."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cadence.escalations.messages import headline, owner_phrase
from cadence.escalations.queries import Card, Gap, Listed
from cadence.escalations.visibility import existence_line
from cadence.people import mention
from cadence.vocabulary import EscalationStatus
from handlers.blocks.guardrails import review_line, tier_change_controls
from handlers.blocks.kit import (
    button,
    cap_blocks,
    context,
    escape,
    fallback_text,
    section,
    truncate,
)
from handlers.ids import ActionId, EscalationAction
from slackfake.limits import LIMITS
from storage.models import Escalation, EscalationEvent, pk

STATUS = {
    EscalationStatus.OPEN: ":red_circle: Open — waiting for the owner to acknowledge",
    EscalationStatus.ACKNOWLEDGED: ":large_yellow_circle: Acknowledged",
    EscalationStatus.RESOLVED: ":white_check_mark: Resolved",
}


def when(moment: datetime, timezone: str) -> str:
    """A moment in each reader's own time zone (the workspace's as the fallback)."""
    local = moment.astimezone(ZoneInfo(timezone))
    return (
        f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|"
        f"{local:%Y-%m-%d %H:%M} {local.tzname()}>"
    )


def who(actor: str) -> str:
    """A person's mention, or a system actor's name."""
    return mention(actor) if actor[:1] in ("U", "W") else f"_{escape(actor)}_"


def status_line(escalation: Escalation, timezone: str) -> str:
    """Where it stands, with who acted and when."""
    line = STATUS.get(EscalationStatus(escalation.status), escape(escalation.status))
    status = escalation.status
    if status == EscalationStatus.ACKNOWLEDGED and escalation.acknowledged_at:
        at = when(escalation.acknowledged_at, timezone)
        line += f" by {who(escalation.acknowledged_by or '')}, {at}"
    if status == EscalationStatus.RESOLVED and escalation.resolved_at:
        line += f" by {who(escalation.resolved_by or '')}, {when(escalation.resolved_at, timezone)}"
    return line


def build_escalation_message(card: Card, timezone: str) -> dict[str, Any]:
    """The owner's DM (or the channel notice) with Acknowledge / Resolve / Hand off."""
    if card.viewer is None and card.escalation.confidential:
        return build_confidential_notice(card, timezone)
    return _full_message(card, timezone)


def _full_message(card: Card, timezone: str) -> dict[str, Any]:
    esc, workflow = card.escalation, card.workflow
    top = f":rotating_light: {headline(esc, workflow)}\n> {escape(truncate(esc.summary, 300))}"
    blocks: list[dict[str, Any]] = [section(top)]
    if esc.details:
        blocks.append(section(escape(truncate(esc.details, 2900))))
    facts = [f"Raised by {mention(esc.raised_by)} {when(esc.created_at, timezone)}"]
    if esc.link:
        facts.append(f"<{escape(esc.link)}|Link>")
    blocks.append(context(" · ".join(facts)))
    lines = [owner_phrase(esc, card.council_ids), status_line(esc, timezone)]
    if card.viewer is not None and card.viewer != esc.routed_to and card.buttons:
        lines.append("You are on the AI council, so you may act on it too.")
    elif card.viewer is not None and not card.buttons and esc.status != EscalationStatus.RESOLVED:
        lines.append("It is no longer with you.")
    if esc.status == EscalationStatus.RESOLVED and esc.resolution:
        lines.append(f"*Resolution:* {escape(truncate(esc.resolution, 2000))}")
    if (review := review_line(card)) is not None:
        lines.append(review)
    blocks.append(section("\n".join(lines)))
    if card.buttons:
        blocks.append(_controls(card))
    text = f"{headline(esc, workflow)}: {escape(esc.summary)}"
    return {"text": fallback_text(text), "blocks": blocks}


def build_confidential_notice(card: Card, timezone: str) -> dict[str, Any]:
    """A confidential escalation as its channel sees it: that it exists and who owns it."""
    esc = card.escalation
    line = existence_line(esc, card.workflow)
    blocks: list[dict[str, Any]] = [
        section(f":lock: {line}\n{status_line(esc, timezone)}"),
        context(
            "What it says goes only to its owner, the person who raised it and the AI council."
        ),
    ]
    if card.buttons:
        blocks.append(_controls(card))
    return {"text": fallback_text(line), "blocks": blocks}


def _controls(card: Card) -> dict[str, Any]:
    """Acknowledge (while open), Resolve (or the council's tier-change buttons), Hand off."""
    esc = card.escalation
    value = str(esc.id)
    controls = tier_change_controls(card) or [
        button("Resolve", action_id=EscalationAction.RESOLVE, value=value)
    ]
    if card.tier_change is not None and card.viewer not in (None, *card.council_ids):
        controls = []  # the council decides a tier change; the owner may hand it off
    controls.append(button("Hand off", action_id=EscalationAction.HAND_OFF, value=value))
    if esc.status == EscalationStatus.OPEN:
        controls.insert(
            0,
            button("Acknowledge", action_id=EscalationAction.ACKNOWLEDGE, value=value,
                   style="primary"),
        )  # fmt: skip
    return {"type": "actions", "block_id": f"escalation:{esc.id}", "elements": controls}


def build_escalation_list(listed: list[Listed], total: int, timezone: str) -> list[dict[str, Any]]:
    """Escalations I raised and open ones I own, newest first."""
    if not listed:
        return [section("You have no escalations: none raised by you, none open with you.")]
    lines = [f"*Your escalations* ({total})"]
    for item in listed:
        esc = item.escalation
        owner = mention(esc.routed_to) if esc.routed_to else "the AI council"
        lines.append(
            f"• *#{esc.id}* {escape(item.workflow_name)} — "
            f"{escape(truncate(esc.summary, 80))} · {escape(esc.status)} · {owner} · "
            f"{when(esc.created_at, timezone)}"
        )
    blocks = [section("\n".join(lines))]
    if total > len(listed):
        blocks.append(
            context(
                f"…and {total - len(listed)} more (older). "
                "`/escalate show NUMBER` shows any one of them."
            )
        )
    return blocks


def describe_event(event: EscalationEvent, *, private: bool = False) -> str:
    """One step of the timeline, in words (`private`: without what people wrote)."""
    d = event.detail
    target = mention(d["to"]) if d.get("to") else "the AI council"
    reason = f": {escape(truncate(str(d['reason']), 200))}" if d.get("reason") else ""
    if private:
        reason = ""
        if event.kind == "resolved":
            return "resolved it"
    match event.kind:
        case "raised":
            return "raised it"
        case "routed":
            where = (
                mention(d["to"])
                if d.get("to")
                else ("the AI council" if d.get("council_holds") else "nobody")
            )
            return f"routed it to {where} ({d.get('via', '')})"
        case "acknowledged":
            return "acknowledged it"
        case "handed_off":
            return f"handed it to {target}{reason}"
        case "resolved":
            return f"resolved it: {escape(truncate(str(d.get('note', '')), 200))}"
        case "rerouted":
            source = mention(d["from"]) if d.get("from") else "the AI council"
            return f"re-routed it from {source} to {target} without an explicit hand-off{reason}"
        case "unauthorized_attempt":
            owner = f" (owner: {mention(d['owner'])})" if d.get("owner") else ""
            return f"tried to {escape(str(d.get('action', 'act')))} without authority{owner}"
    return escape(event.kind)


def build_escalation_detail(
    card: Card, events: list[EscalationEvent], timezone: str, *, details: bool = True
) -> list[dict[str, Any]]:
    """/escalate show: the escalation, who owns it, where it stands, and its timeline; without
    `details`, only what its channel sees of a confidential one."""
    quiet = Card(card.escalation, card.workflow, card.council_ids, None, buttons=False)
    if not details:
        return build_confidential_notice(quiet, timezone)["blocks"]
    message = _full_message(quiet, timezone)
    lines = [
        f"• {when(e.created_at, timezone)} — {who(e.actor)} {describe_event(e)}"
        + ("" if e.authorized else " :warning: _without explicit authority_")
        for e in events
    ]
    blocks = [*message["blocks"], *packed(["*Timeline*", *lines])]
    esc = card.escalation
    if esc.ack_latency_seconds is not None or esc.resolve_latency_seconds is not None:
        blocks.append(
            context(
                f"Decision latency: acknowledged after "
                f"{_duration(esc.ack_latency_seconds)}, resolved after "
                f"{_duration(esc.resolve_latency_seconds)}."
            )
        )
    return cap_blocks(blocks, LIMITS.message_blocks, more="Timeline shortened.")


def packed(lines: list[str]) -> list[dict[str, Any]]:
    """Lines gathered into as few sections as fit (a section holds 3000 characters)."""
    sections: list[list[str]] = [[]]
    for line in lines:
        if sections[-1] and len("\n".join([*sections[-1], line])) > LIMITS.section_text:
            sections.append([])
        sections[-1].append(line)
    return [section("\n".join(chunk)) for chunk in sections if chunk]


def build_gaps(
    gaps: list[Gap],
    timezone: str,
    *,
    closed: dict[int, str] | None = None,
    may_acknowledge: set[int] | None = None,
) -> list[dict[str, Any]]:
    """/cadence gaps: changes of hands and attempts to act without explicit authority; `closed`
    says how a gap was closed, `may_acknowledge` the gaps the viewer acknowledges (a button)."""
    if not gaps:
        return [
            section(
                ":white_check_mark: No ownership gaps: every escalation changed hands "
                "with explicit authority."
            )
        ]
    blocks = [
        section(
            "*Ownership gaps* — the latest escalation steps taken without explicit "
            "authority. Close them by naming owners and approvers; the outcome owner "
            "acknowledges each with a note."
        )
    ]
    for gap in gaps:
        event_id = pk(gap.event)
        text = (
            f"*{escape(gap.workflow_name)}* · escalation *#{gap.escalation.id}* · "
            f"{when(gap.event.created_at, timezone)}\n{who(gap.event.actor)} "
            f"{describe_event(gap.event, private=gap.escalation.confidential)}"
        )
        if closed and event_id in closed:
            text += f"\n:white_check_mark: {closed[event_id]}"
        button_ = None
        if may_acknowledge and event_id in may_acknowledge:
            button_ = button("Acknowledge with a note", action_id=ActionId.GAP_ACKNOWLEDGE,
                             value=str(event_id))  # fmt: skip
        blocks.append(section(text, accessory=button_))
    return cap_blocks(blocks, LIMITS.message_blocks, more="More gaps not shown.")


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"
