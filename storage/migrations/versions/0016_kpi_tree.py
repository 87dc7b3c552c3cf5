"""KPI tree per workflow: nodes, links from scorecard metrics, weekly values

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kpi_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("unit", sa.String(length=24), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["kpi_node.id"], name=op.f("fk_kpi_node_parent_id_kpi_node")
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflow.id"], name=op.f("fk_kpi_node_workflow_id_workflow")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_node")),
        sa.UniqueConstraint(
            "workflow_id", "name_key", name=op.f("uq_kpi_node_workflow_id_name_key")
        ),
    )
    op.create_index(op.f("ix_kpi_node_workflow_id"), "kpi_node", ["workflow_id"])
    op.create_table(
        "kpi_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"], ["kpi_node.id"], name=op.f("fk_kpi_link_node_id_kpi_node")
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflow.id"], name=op.f("fk_kpi_link_workflow_id_workflow")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_link")),
        sa.UniqueConstraint("workflow_id", "metric", name=op.f("uq_kpi_link_workflow_id_metric")),
    )
    op.create_index(op.f("ix_kpi_link_workflow_id"), "kpi_link", ["workflow_id"])
    op.create_table(
        "kpi_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["node_id"], ["kpi_node.id"], name=op.f("fk_kpi_value_node_id_kpi_node")
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflow.id"], name=op.f("fk_kpi_value_workflow_id_workflow")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_value")),
        sa.UniqueConstraint("node_id", "week_start", name=op.f("uq_kpi_value_node_id_week_start")),
    )
    op.create_index(op.f("ix_kpi_value_workflow_id"), "kpi_value", ["workflow_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_kpi_value_workflow_id"), table_name="kpi_value")
    op.drop_table("kpi_value")
    op.drop_index(op.f("ix_kpi_link_workflow_id"), table_name="kpi_link")
    op.drop_table("kpi_link")
    op.drop_index(op.f("ix_kpi_node_workflow_id"), table_name="kpi_node")
    op.drop_table("kpi_node")
