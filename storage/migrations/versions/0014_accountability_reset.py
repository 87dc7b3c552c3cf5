"""the 30-day accountability reset, council confirmations of decision rights, gap notes

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = sa.text("ended_at IS NULL")
FOCUS = sa.text("ended_at IS NULL AND parallel_reason IS NULL")


def upgrade() -> None:
    op.create_table(
        "accountability_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(length=32), nullable=False),
        sa.Column("parallel_reason", sa.String(length=500), nullable=True),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("review_session_id", sa.Integer(), nullable=True),
        sa.Column("next_workflow_id", sa.Integer(), nullable=True),
        sa.Column("next_set_by", sa.String(length=32), nullable=True),
        sa.Column("next_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checklist_state", sa.String(length=64), nullable=False),
        sa.Column("refresh_queued", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=32), nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflow.id"],
            name=op.f("fk_accountability_reset_workflow_id_workflow"),
        ),
        sa.ForeignKeyConstraint(
            ["next_workflow_id"],
            ["workflow.id"],
            name=op.f("fk_accountability_reset_next_workflow_id_workflow"),
        ),
        sa.ForeignKeyConstraint(
            ["review_session_id"],
            ["governance_session.id"],
            name=op.f("fk_accountability_reset_review_session_id_governance_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability_reset")),
    )
    op.create_index(op.f("ix_accountability_reset_team_id"), "accountability_reset", ["team_id"])
    op.create_index(
        op.f("ix_accountability_reset_workflow_id"), "accountability_reset", ["workflow_id"]
    )
    op.create_index(
        "uq_accountability_reset_running",
        "accountability_reset",
        ["workflow_id"],
        unique=True,
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )
    op.create_index(
        "uq_accountability_reset_focus",
        "accountability_reset",
        ["team_id"],
        unique=True,
        sqlite_where=FOCUS,
        postgresql_where=FOCUS,
    )
    op.create_table(
        "rights_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=32), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflow.id"],
            name=op.f("fk_rights_confirmation_workflow_id_workflow"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_confirmation")),
    )
    op.create_index(
        op.f("ix_rights_confirmation_workflow_id"), "rights_confirmation", ["workflow_id"]
    )
    op.create_table(
        "gap_acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["escalation_event.id"],
            name=op.f("fk_gap_acknowledgement_event_id_escalation_event"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gap_acknowledgement")),
        sa.UniqueConstraint("event_id", name=op.f("uq_gap_acknowledgement_event_id")),
    )


def downgrade() -> None:
    op.drop_table("gap_acknowledgement")
    op.drop_index(op.f("ix_rights_confirmation_workflow_id"), table_name="rights_confirmation")
    op.drop_table("rights_confirmation")
    op.drop_index("uq_accountability_reset_focus", table_name="accountability_reset")
    op.drop_index("uq_accountability_reset_running", table_name="accountability_reset")
    op.drop_index(op.f("ix_accountability_reset_workflow_id"), table_name="accountability_reset")
    op.drop_index(op.f("ix_accountability_reset_team_id"), table_name="accountability_reset")
    op.drop_table("accountability_reset")
