"""risk-review triggers per workflow and metric, and the breaches that open risk reviews

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_trigger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflow.id"], name=op.f("fk_risk_trigger_workflow_id_workflow")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_trigger")),
        sa.UniqueConstraint(
            "workflow_id", "metric", name=op.f("uq_risk_trigger_workflow_id_metric")
        ),
    )
    op.create_index(op.f("ix_risk_trigger_workflow_id"), "risk_trigger", ["workflow_id"])
    op.create_table(
        "risk_breach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("started_by", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_value", sa.Float(), nullable=True),
        sa.Column("ended_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["governance_session.id"],
            name=op.f("fk_risk_breach_session_id_governance_session"),
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflow.id"], name=op.f("fk_risk_breach_workflow_id_workflow")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_breach")),
    )
    op.create_index(op.f("ix_risk_breach_workflow_id"), "risk_breach", ["workflow_id"])
    op.create_index(
        "uq_risk_breach_open",
        "risk_breach",
        ["workflow_id", "metric"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_risk_breach_open", table_name="risk_breach")
    op.drop_index(op.f("ix_risk_breach_workflow_id"), table_name="risk_breach")
    op.drop_table("risk_breach")
    op.drop_index(op.f("ix_risk_trigger_workflow_id"), table_name="risk_trigger")
    op.drop_table("risk_trigger")
