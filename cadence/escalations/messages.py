"""What Cadence says about an escalation, as outbox intents written with the change.

The owner DMs and the governance-channel notice carry buttons, so their content is built by
renderers (`RendererName.ESCALATION_DM` and `ESCALATION_NOTICE`) at the moment they
are sent, and re-rendered after every step: the buttons always match the escalation's state.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from cadence import outbox
from cadence.accountability import council, queries
from cadence.escalations.visibility import existence_line
from cadence.people import is_api_actor, mention
from cadence.text import escape
from cadence.vocabulary import CouncilMatter, DecisionPoint, Duty
from storage.models import Escalation, OutboxMessage, Workflow, pk


def dm_key(number: int, user: str) -> str:
    """The outbox key of the DM with buttons that one person got about an escalation."""
    return f"escalation:{number}:dm:{user}"


def notice_key(number: int) -> str:
    """The outbox key of the escalation's notice in the governance channel."""
    return f"escalation:{number}:notice"


def headline(escalation: Escalation, workflow: Workflow) -> str:
    """'Escalation #42 on *Support resolution* — Policy exception, sev-2'."""
    kind = DecisionPoint(escalation.decision_point).label
    if escalation.council_matter:
        kind = CouncilMatter(escalation.council_matter).label + " (council matter)"
    severity = escalation.severity.replace("sev", "sev-")
    return f"Escalation #{escalation.id} on *{escape(workflow.name)}* — {kind}, {severity}"


def owner_phrase(escalation: Escalation, council_ids: list[str]) -> str:
    """Who holds it now, in a sentence."""
    via = f" ({escalation.routed_via})" if escalation.routed_via else ""
    if escalation.routed_to:
        return f"{mention(escalation.routed_to)} owns it{via}."
    if council_ids:
        return f"The AI council holds it ({', '.join(mention(u) for u in council_ids)})."
    return ":warning: Nobody is accountable for it yet — the decision-rights map has a gap."


def holders(db: Session, escalation: Escalation) -> list[str]:
    """Everyone who may act and gets the buttons: the owner, and the council when it is in."""
    people = [escalation.routed_to] if escalation.routed_to else []
    if escalation.needs_council or escalation.routed_to is None:
        people += council.member_ids(db, team_id=escalation.team_id)
    return list(dict.fromkeys(people))


def announce(
    db: Session, escalation: Escalation, workflow: Workflow, *, co_approvers: list[str]
) -> None:
    """DM the owner (and the council when it is in), post the notice, tell the informed."""
    dm_sent = holders(db, escalation)
    for user in dm_sent:
        send_owner_dm(db, escalation, user)
    outbox.render_message(
        db,
        key=notice_key(pk(escalation)),
        method="chat.postMessage",
        renderer=outbox.RendererName.ESCALATION_NOTICE,
        args={"escalation_id": escalation.id},
        team_id=escalation.team_id,
    )
    council_ids = council.member_ids(db, team_id=escalation.team_id)
    current = queries.current_owners(db, workflow_id=pk(workflow))
    point = DecisionPoint(escalation.decision_point)
    informed = queries.rights_map(db, workflow_id=pk(workflow))[point][Duty.INFORMED]
    people = [u for p in informed for u in queries.resolve_party(p, current, council_ids)]
    skip = {*dm_sent, escalation.raised_by}
    text = (
        f":information_source: For your information: {headline(escalation, workflow)}\n"
        f"> {escape(escalation.summary)}\nRaised by {mention(escalation.raised_by)}. "
        + owner_phrase(escalation, council_ids)
    )
    # Need-to-know: of a confidential one, only the council hears what it says.
    bare = f":lock: For your information: {existence_line(escalation, workflow)}."
    for user in dict.fromkeys([*co_approvers, *people]):
        if user not in skip:
            outbox.post_message(
                db,
                key=f"escalation:{escalation.id}:informed:{user}",
                channel=user,
                text=bare if escalation.confidential and user not in council_ids else text,
                team_id=escalation.team_id,
            )


def send_owner_dm(
    db: Session, escalation: Escalation, user: str, *, event_id: int | None = None
) -> None:
    """The DM with buttons; someone who had one already gets it refreshed and a nudge."""
    key = dm_key(pk(escalation), user)
    if event_id is not None and _queued(db, key):
        _redraw_dm(db, escalation, key, user, event_id)
        outbox.post_message(
            db,
            key=f"escalation:{escalation.id}:back:{event_id}:{user}",
            channel=user,
            text=f"Escalation #{escalation.id} is with you again; see the message above.",
            team_id=escalation.team_id,
        )
        return
    outbox.render_message(
        db,
        key=key,
        method="chat.postMessage",
        renderer=outbox.RendererName.ESCALATION_DM,
        args={"escalation_id": escalation.id, "user": user},
        team_id=escalation.team_id,
    )


def refresh(db: Session, escalation: Escalation, *, event_id: int) -> None:
    """Re-render every DM with buttons and the notice, so they show the current state."""
    for key in _dm_keys(db, pk(escalation)):
        _redraw_dm(db, escalation, key, key.rsplit(":", 1)[-1], event_id)
    key = notice_key(pk(escalation))
    outbox.render_message(
        db,
        key=f"{key}:update:{event_id}",
        method="chat.update",
        renderer=outbox.RendererName.ESCALATION_NOTICE,
        args={"escalation_id": escalation.id},
        of=key,
        team_id=escalation.team_id,
    )


def thread_note(
    db: Session,
    escalation: Escalation,
    workflow: Workflow,
    *,
    event_id: int,
    text: str,
    bare: str | None = None,
) -> None:
    """A line in the notice's thread in the governance channel; `bare` is the line without
    notes or reasons, said instead when the escalation is confidential."""
    if escalation.confidential and bare is not None:
        text = bare
    outbox.post_message(
        db,
        key=f"escalation:{escalation.id}:event:{event_id}",
        channel=workflow.channel_id,
        text=text,
        thread_of=notice_key(pk(escalation)),
        team_id=escalation.team_id,
    )


def confirmation_text(db: Session, escalation: Escalation, workflow: Workflow) -> str:
    """What the reporter is told once the escalation is stored."""
    council_ids = council.member_ids(db, team_id=escalation.team_id)
    lines = [
        f":white_check_mark: Recorded {headline(escalation, workflow)}.",
        owner_phrase(escalation, council_ids),
    ]
    if escalation.needs_council and escalation.routed_to and council_ids:
        lines.append("The AI council has been told as well.")
    if escalation.confidential:
        lines.append(
            ":lock: It is confidential: its channel sees only that it exists and who owns it; "
            "what it says goes to its owner, to you and to the AI council."
        )
    if escalation.routed_to is None and not council_ids:
        lines.append(
            f"I posted it in <#{workflow.channel_id}>. Name owners with "
            f"`/owner outcome @person {escape(workflow.name)}`."
        )
    lines.append(f"Follow it with `/escalate show {escalation.id}`.")
    return "\n".join(lines)


def confirm_by_dm(db: Session, escalation: Escalation, workflow: Workflow) -> None:
    """The reporter's confirmation as a DM, when it could not be shown where they asked."""
    outbox.post_message(
        db,
        key=f"escalation:{escalation.id}:confirm",
        channel=escalation.raised_by,
        text=confirmation_text(db, escalation, workflow),
        team_id=escalation.team_id,
    )


def tell_reporter_resolved(db: Session, escalation: Escalation, workflow: Workflow) -> None:
    """Let the person who raised it know how it was resolved (an API token has no DMs: its
    system reads the resolution through the API)."""
    if is_api_actor(escalation.raised_by):
        return
    outbox.post_message(
        db,
        key=f"escalation:{escalation.id}:resolved",
        channel=escalation.raised_by,
        text=f":white_check_mark: {headline(escalation, workflow)} was resolved by "
        f"{mention(escalation.resolved_by or '')}.\n> {escape(escalation.resolution or '')}",
        team_id=escalation.team_id,
    )


def _queued(db: Session, key: str) -> bool:
    query = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
    return db.exec(query).first() is not None


def _dm_keys(db: Session, number: int) -> list[str]:
    prefix = dm_key(number, "")
    query = select(OutboxMessage.idempotency_key).where(
        col(OutboxMessage.idempotency_key).startswith(prefix, autoescape=True),
        OutboxMessage.method == "chat.postMessage",
    )
    return [
        k
        for k in db.exec(query.order_by(col(OutboxMessage.id))).all()
        if ":" not in k[len(prefix) :]
    ]


def _redraw_dm(db: Session, escalation: Escalation, key: str, user: str, event_id: int) -> None:
    """Queue a chat.update of the DM queued under `key`, drawn from the database when sent."""
    outbox.render_message(
        db,
        key=f"{key}:update:{event_id}",
        method="chat.update",
        renderer=outbox.RendererName.ESCALATION_DM,
        args={"escalation_id": escalation.id, "user": user},
        of=key,
        team_id=escalation.team_id,
    )
