"""channel canvases: each workflow's living map and decision log in its governance channel

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_canvas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("canvas_id", sa.String(length=32), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("refresh_queued", sa.Boolean(), nullable=False),
        sa.Column("refused_error", sa.String(length=100), nullable=True),
        sa.Column("owners_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflow.id"],
            name=op.f("fk_channel_canvas_workflow_id_workflow"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_canvas")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_channel_canvas_workflow_id")),
    )


def downgrade() -> None:
    op.drop_table("channel_canvas")
