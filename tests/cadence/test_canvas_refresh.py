"""The living canvas's domain rules: what its markdown shows (pure), and when the outbox is
asked to create, refresh or stand in for it (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from cadence.accountability import confirmations, queries, rights
from cadence.canvas import outcomes, refresh
from cadence.canvas.content import gather
from cadence.canvas.markdown import build_markdown, text
from cadence.kpi.store import save_tree
from cadence.kpi.tree import parse_tree
from cadence.vocabulary import DecisionPoint, Duty, OutboxStatus, OwnerRole
from storage.db import new_session, session_scope
from storage.models import (
    ActionItem,
    ChannelCanvas,
    Decision,
    GovernanceSession,
    OutboxMessage,
    pk,
)
from tests.cadence.helpers import ADMIN, DANA, LI, MARIA, SAM, TEAM, assign, make_workflow, seat

HOSTILE = "# Fake heading | <!channel> [click](http://x) ![](@UEVIL) *bold*"


def canvas_rows(db: Session) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(col(OutboxMessage.idempotency_key).startswith("canvas:"))
    return list(db.exec(query.order_by(col(OutboxMessage.id))).all())


def pending(db: Session, method: str) -> list[OutboxMessage]:
    return [m for m in canvas_rows(db) if m.method == method and m.status == "pending"]


def mark_created(db: Session, canvas_id: str = "FCANVAS1") -> None:
    """What the deliverer does when Slack answers the create."""
    [create] = pending(db, refresh.CREATE_METHOD)
    create.status = OutboxStatus.SENT
    outcomes.record_created(db, message=create, canvas_id=canvas_id)


def test_markdown_shows_the_map_and_the_log_newest_first_with_typed_text_escaped(db, frozen_clock):
    workflow = make_workflow(db)
    workflow.business_outcome = HOSTILE
    assign(db, workflow, OwnerRole.OUTCOME, MARIA)
    assign(db, workflow, OwnerRole.WORKFLOW, LI)
    assign(db, workflow, OwnerRole.STAGE, SAM, stage="Intake")
    seat(db, ADMIN)
    for week, choice, rationale in ((16, "continue", "All good."), (23, "pause", HOSTILE)):
        session = GovernanceSession(
            team_id=TEAM, workflow_id=workflow.id, week_start=date(2026, 11, week),
            channel_id=workflow.channel_id, status="decided",
        )  # fmt: skip
        db.add(session)
        db.flush()
        decision = Decision(session_id=session.id, choice=choice, rationale=rationale,
                            recorded_by=MARIA.id, re_review_on=date(2026, 12, 7))  # fmt: skip
        db.add(decision)
        db.flush()
        db.add(ActionItem(workflow_id=workflow.id, decision_id=decision.id, owner_id=SAM.id,
                          description=f"Check refunds {week}", created_by=MARIA.id,
                          status="done" if week == 16 else "open",
                          due_on=date(2026, 11, 30)))  # fmt: skip
    db.flush()

    shown = build_markdown(gather(db, workflow=workflow, timezone="Europe/Paris"))

    assert shown.startswith("# Support resolution: escalation map\n")
    assert "**Outcome owner:** ![](@UMARIA)" in shown
    assert "**Stage owner, Intake:** ![](@USAM)" in shown
    assert "**Members:** ![](@UADMIN)" in shown
    assert "No gaps: every decision point has people." in shown
    # One table row per decision point, each with its four duties.
    rows = [line for line in shown.splitlines() if line.startswith("| **")]
    assert len(rows) == len(DecisionPoint) and all(r.count(" | ") == 5 for r in rows)
    log = shown.split("# Decision log", 1)[1]
    assert log.index("Week of 23 Nov 2026: Pause") < log.index("Week of 16 Nov 2026: Continue")
    assert "- [ ] Check refunds 23 — ![](@USAM), due Mon 30 Nov 2026" in log
    assert "- [x] Check refunds 16 — ![](@USAM), due Mon 30 Nov 2026 (done)" in log
    assert "Re-review on Mon 07 Dec 2026." in log
    # Typed text cannot forge a heading, a table cell, a link or a mention.
    assert f"> {text(HOSTILE)}" in log and "\n# Fake" not in shown
    assert "![](@UEVIL)" not in shown and "[click](" not in shown
    assert text("a | b") == "a \\| b"


def test_markdown_calls_out_gaps(db):
    workflow = make_workflow(db)
    shown = build_markdown(gather(db, workflow=workflow, timezone="UTC"))
    assert "- no outcome owner" in shown and "- no workflow owner" in shown
    assert "- no AI council yet" in shown
    assert "No governance decision has been recorded yet." in shown


def test_a_workflow_gets_one_create_and_changes_before_it_goes_add_nothing(any_engine):
    with session_scope(any_engine) as db:
        workflow = make_workflow(db)
        assign(db, workflow, OwnerRole.OUTCOME, MARIA)
        assign(db, workflow, OwnerRole.WORKFLOW, LI)
        rows = canvas_rows(db)
    assert [(m.idempotency_key, m.method) for m in rows] == [
        (f"canvas:{workflow.id}:create:0", "conversations.canvases.create")
    ]


def test_a_burst_of_changes_queues_one_delayed_refresh_then_the_next_burst_another(
    any_engine, frozen_clock
):
    with session_scope(any_engine) as db:
        workflow = make_workflow(db)
        mark_created(db)
    with session_scope(any_engine) as db:
        for stage in ("Intake", "Review", "Refunds"):
            assign(db, db.merge(workflow), OwnerRole.STAGE, SAM, stage=stage)
    with new_session(any_engine) as db:
        [edit] = pending(db, refresh.EDIT_METHOD)
        assert edit.next_attempt_at == frozen_clock() + refresh.COALESCE
        assert edit.payload["after"] == f"canvas:{workflow.id}:create:0"
    # The refresh renders: it lowers the flag first, so the next change queues a new one.
    with session_scope(any_engine) as db:
        canvas = refresh.take_refresh(db, workflow_id=workflow.id)
        assert canvas is not None and canvas.canvas_id == "FCANVAS1"
    with session_scope(any_engine) as db:
        seat(db, DANA)  # the council is on every map of the workspace
    with new_session(any_engine) as db:
        assert len(pending(db, refresh.EDIT_METHOD)) == 2


def test_a_refusal_falls_back_once_and_each_owner_is_told_once(any_engine):
    with session_scope(any_engine) as db:
        workflow = make_workflow(db)
        [create] = pending(db, refresh.CREATE_METHOD)
        create.status = OutboxStatus.FAILED
        outcomes.on_failed(db, message=create, error="team_tier_cannot_create_channel_canvases")
        assert db.exec(select(ChannelCanvas)).one().status == refresh.REFUSED
    with session_scope(any_engine) as db:
        # Nobody owned it when refused: the owners named later are told, each once.
        assign(db, db.merge(workflow), OwnerRole.OUTCOME, MARIA)
        assign(db, db.merge(workflow), OwnerRole.WORKFLOW, LI)
        assign(db, db.merge(workflow), OwnerRole.STAGE, SAM, stage="Intake")
    with new_session(any_engine) as db:
        keys = [m.idempotency_key for m in canvas_rows(db)]
    prefix = f"canvas:{workflow.id}"
    assert [k for k in keys if ":enable:" in k] == [f"{prefix}:enable:UMARIA",
                                                     f"{prefix}:enable:ULI"]  # fmt: skip
    assert f"{prefix}:fallback:map" in keys and f"{prefix}:fallback:log" in keys
    assert sum(":update:" in k and k.endswith(":map") for k in keys) == 1  # coalesced


def test_markdown_shows_the_rights_confirmation_until_the_rights_change(db, frozen_clock):
    workflow = make_workflow(db)
    assign(db, workflow, OwnerRole.OUTCOME, MARIA)
    seat(db, DANA)
    confirmations.confirm_rights(db, workflow=workflow, actor_id=DANA.id)
    shown = build_markdown(gather(db, workflow=workflow, timezone="UTC"))
    assert "**Confirmed by the AI council:** by ![](@UDANA) on " in shown
    assert "changed since" not in shown
    wanted = queries.rights_map(db, workflow_id=pk(workflow))
    wanted[DecisionPoint.BUDGET][Duty.APPROVES] = [queries.COUNCIL]
    rights.update_rights(db, workflow=workflow, owners=queries.current_owners(
        db, workflow_id=pk(workflow)), wanted=wanted, actor=DANA)  # fmt: skip
    shown = build_markdown(gather(db, workflow=workflow, timezone="UTC"))
    assert "but the rights changed since: the council confirms them again." in shown


def test_markdown_shows_the_kpi_tree_indented_with_typed_names_escaped(db, frozen_clock):
    workflow = make_workflow(db)
    assign(db, workflow, OwnerRole.OUTCOME, MARIA)
    tree = "goal | Revenue [x](http://x) | % | 110 | higher\ndriver | # Churn | % | 5 | lower | " \
        "Revenue [x](http://x)"  # fmt: skip
    save_tree(
        db,
        workflow=workflow,
        specs=parse_tree(tree),
        links={},
        actor_id=MARIA.id,
        default_zone="UTC",
    )
    kpi = build_markdown(gather(db, workflow=workflow, timezone="UTC")).split("## KPI tree")[1]
    assert "\n- · **Revenue \\[x\\](http://x)**: _no value yet_ · target ≥ 110%" in kpi
    assert "\n  - · **\\# Churn**: _no value yet_ · target ≤ 5%" in kpi
