"""risk tiers that mean something: tier-change requests and the council review of escalations

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_tier_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("from_tier", sa.String(length=16), nullable=False),
        sa.Column("to_tier", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalation.id"],
            name=op.f("fk_risk_tier_request_escalation_id_escalation"),
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflow.id"], name=op.f("fk_risk_tier_request_workflow_id_workflow")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_tier_request")),
        sa.UniqueConstraint("escalation_id", name=op.f("uq_risk_tier_request_escalation_id")),
    )
    op.create_index(op.f("ix_risk_tier_request_workflow_id"), "risk_tier_request", ["workflow_id"])
    op.create_index(
        "uq_risk_tier_request_pending",
        "risk_tier_request",
        ["workflow_id"],
        unique=True,
        sqlite_where=sa.text("decided_at IS NULL"),
        postgresql_where=sa.text("decided_at IS NULL"),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("council_reviewed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("council_reviewed_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("council_review_note", sa.String(length=3000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_column("council_review_note")
        batch_op.drop_column("council_reviewed_by")
        batch_op.drop_column("council_reviewed_at")
    op.drop_index("uq_risk_tier_request_pending", table_name="risk_tier_request")
    op.drop_index(op.f("ix_risk_tier_request_workflow_id"), table_name="risk_tier_request")
    op.drop_table("risk_tier_request")
