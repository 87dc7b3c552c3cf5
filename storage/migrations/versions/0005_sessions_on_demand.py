"""sessions on demand: numbered extra governance sessions beside the one weekly thread

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WEEKLY_IS_NUMBER_0 = "(kind = 'weekly' AND number = 0) OR (kind <> 'weekly' AND number > 0)"


def upgrade() -> None:
    with op.batch_alter_table("governance_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="weekly")
        )
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("title", sa.String(length=150), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("opened_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("request_key", sa.String(length=200), nullable=True))
        batch_op.drop_constraint("uq_governance_session_workflow_id_week_start", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_governance_session_workflow_id_week_start_number"),
            ["workflow_id", "week_start", "number"],
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_governance_session_request_key"), ["request_key"]
        )
        # Named through the metadata's convention: ck_governance_session_weekly_is_number_0.
        batch_op.create_check_constraint("weekly_is_number_0", sa.text(WEEKLY_IS_NUMBER_0))
    # The defaults were for the rows already there (all weekly); new rows say what they are.
    with op.batch_alter_table("governance_session", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column("number", server_default=None)


def downgrade() -> None:
    extra = op.get_bind().execute(
        sa.text("SELECT count(*) FROM governance_session WHERE kind <> 'weekly'")
    )
    if extra.scalar():
        raise RuntimeError(
            "Extra governance sessions exist; the schema before 0005 cannot hold them, and "
            "their votes and decisions are evidence. Nothing was changed."
        )
    with op.batch_alter_table("governance_session", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_governance_session_weekly_is_number_0"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("uq_governance_session_request_key"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("uq_governance_session_workflow_id_week_start_number"), type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_governance_session_workflow_id_week_start", ["workflow_id", "week_start"]
        )
        for column in ("request_key", "opened_by", "reason", "title", "number", "kind"):
            batch_op.drop_column(column)
