"""integration API: each token's rate-limit bucket kept on its row, shared by every worker;
audit rows waiting for a busy chain (API reads never wait for a writer)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 14:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("rate_tokens", sa.Float(), nullable=True))
        batch.add_column(sa.Column("rate_at", sa.Float(), nullable=True))
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
    )
    op.create_index(op.f("ix_audit_pending_team_id"), "audit_pending", ["team_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_pending_team_id"), table_name="audit_pending")
    op.drop_table("audit_pending")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("rate_at")
        batch.drop_column("rate_tokens")
