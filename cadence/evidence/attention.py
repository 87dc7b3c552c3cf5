"""The three things that need the council's attention, which the report leads with."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from cadence.escalations.visibility import shown_summary
from cadence.evidence.figures import Attention, ReportFigures, duration
from cadence.evidence.periods import Window
from cadence.text import escape
from storage.models import ActionItem, Escalation


def attention_items(
    db: Session, window: Window, names: dict[int, str], figures: ReportFigures
) -> list[Attention]:
    """The worst trend, the oldest overdue action and the oldest open council matter."""
    found = [
        _worst_trend(figures),
        _oldest_overdue(db, window, names),
        _open_council_matter(db, window, names),
    ]
    return [item for item in found if item is not None]


def _worst_trend(figures: ReportFigures) -> Attention | None:
    rising = [s for s in figures.workflows if s.trend_s is not None and s.trend_s > 0]
    if not rising:
        return None
    worst = max(rising, key=lambda s: s.trend_s or 0)
    return Attention(
        kind="trend",
        text=f"Decisions on *{escape(worst.workflow or '')}* are slower: median "
        f"{duration(worst.latency.median_s)}, up from {duration(worst.previous_latency.median_s)} "
        "the month before.",
    )


def _oldest_overdue(db: Session, w: Window, names: dict[int, str]) -> Attention | None:
    item = db.exec(
        select(ActionItem)
        .where(col(ActionItem.workflow_id).in_(names))
        .where(col(ActionItem.due_on) < w.period.end, col(ActionItem.created_at) < w.end)
        .where(or_(col(ActionItem.completed_at).is_(None), col(ActionItem.completed_at) >= w.end))
        .order_by(col(ActionItem.due_on), col(ActionItem.id))
    ).first()
    if item is None or item.due_on is None:
        return None
    late = (w.period.end - item.due_on).days
    return Attention(
        kind="overdue_action",
        text=f"The oldest overdue action, on *{escape(names[item.workflow_id])}*: "
        f"“{escape(item.description)}” (<@{item.owner_id}>), due {item.due_on:%d %b %Y}, "
        f"{late} day{'s' if late != 1 else ''} late at the end of the period.",
    )


def _open_council_matter(db: Session, w: Window, names: dict[int, str]) -> Attention | None:
    escalation = db.exec(
        select(Escalation)
        .where(col(Escalation.workflow_id).in_(names), Escalation.created_at < w.end)
        .where(or_(col(Escalation.council_matter).is_not(None), col(Escalation.needs_council)))
        .where(or_(col(Escalation.resolved_at).is_(None), col(Escalation.resolved_at) >= w.end))
        .order_by(col(Escalation.created_at), col(Escalation.id))
    ).first()
    if escalation is None:
        return None
    days = (w.end - escalation.created_at).days
    return Attention(
        kind="council_matter",
        text=f"Council matter #{escalation.id} on *{escape(names[escalation.workflow_id])}* is "
        f"unresolved after {days} day{'s' if days != 1 else ''}: "
        f"{escape(shown_summary(escalation))}",
    )
