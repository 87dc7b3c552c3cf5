"""slack installations: installs to many workspaces, in slack_sdk's SQLAlchemy store tables

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(name: str, length: int, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _bot_columns() -> list[sa.Column]:
    """The columns slack_bots and slack_installations share, in slack_sdk's order."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        _string("client_id", 32, nullable=False),
        _string("app_id", 32, nullable=False),
        _string("enterprise_id", 32),
        _string("enterprise_name", 200),
    ]


def _token_columns() -> list[sa.Column]:
    return [
        _string("bot_token", 200),
        _string("bot_id", 32),
        _string("bot_user_id", 32),
        _string("bot_scopes", 1000),
        _string("bot_refresh_token", 200),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        *_bot_columns(),
        _string("enterprise_url", 200),
        _string("team_id", 32),
        _string("team_name", 200),
        *_token_columns(),
        _string("user_id", 32, nullable=False),
        _string("user_token", 200),
        _string("user_scopes", 1000),
        _string("user_refresh_token", 200),
        sa.Column("user_token_expires_at", sa.DateTime(), nullable=True),
        _string("incoming_webhook_url", 200),
        _string("incoming_webhook_channel", 200),
        _string("incoming_webhook_channel_id", 200),
        _string("incoming_webhook_configuration_url", 200),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        _string("token_type", 32),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_installations")),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_bots",
        *_bot_columns(),
        _string("team_id", 32),
        _string("team_name", 200),
        *_token_columns(),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_bots")),
    )
    op.create_index(
        "slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"]
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), nullable=False),
        _string("state", 200, nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_oauth_states")),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_bots_idx", table_name="slack_bots")
    op.drop_table("slack_bots")
    op.drop_index("slack_installations_idx", table_name="slack_installations")
    op.drop_table("slack_installations")
