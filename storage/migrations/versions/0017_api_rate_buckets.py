"""integration API: each token's rate-limit bucket kept on its row, shared by every worker

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-27 14:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("rate_tokens", sa.Float(), nullable=True))
        batch.add_column(sa.Column("rate_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("rate_at")
        batch.drop_column("rate_tokens")
