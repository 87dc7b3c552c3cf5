"""tamper-evident audit log: a hash chain per workspace; PostgreSQL refuses UPDATE and DELETE

Existing rows are numbered and linked in id order, per workspace, with the rule in
storage/audit_chain.py (version 1), and each workspace's chain head is recorded.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.audit_chain import GENESIS, canonical_content, link_hash
from storage.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000
REFUSE_FUNCTION = "audit_event_refuse_change"
TRIGGERS = ("audit_event_append_only", "audit_event_no_truncate")

audit_event = sa.table(
    "audit_event",
    sa.column("id", sa.Integer()),
    sa.column("team_id", sa.String()),
    sa.column("workflow_id", sa.Integer()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("detail", sa.JSON()),
    sa.column("created_at", UTCDateTime()),
    sa.column("seq", sa.Integer()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)
chain_head = sa.table(
    "audit_chain_head",
    sa.column("team_id", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("hash", sa.String()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _link_existing_rows(op.get_bind())
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_audit_event_team_id_seq"), ["team_id", "seq"]
        )
    if op.get_bind().dialect.name == "postgresql":
        _refuse_changes()


def _link_existing_rows(bind: sa.Connection) -> None:
    """Number and link every row already written, per workspace in id order."""
    teams = bind.execute(sa.select(audit_event.c.team_id).distinct()).scalars().all()
    for team in teams:
        seq, prev, after, first_at, last_at = 0, GENESIS, 0, None, None
        while True:
            rows = bind.execute(
                sa.select(audit_event)
                .where(audit_event.c.team_id == team, audit_event.c.id > after)
                .order_by(audit_event.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            links = []
            for row in rows:
                seq += 1
                content = canonical_content(
                    team_id=team, seq=seq, workflow_id=row.workflow_id, actor=row.actor,
                    action=row.action, detail=row.detail, created_at=row.created_at,
                )  # fmt: skip
                digest = link_hash(prev, content)
                links.append({"row_id": row.id, "seq": seq, "prev_hash": prev, "hash": digest})
                prev, after, last_at = digest, row.id, row.created_at
                first_at = first_at or row.created_at
            bind.execute(
                audit_event.update()
                .where(audit_event.c.id == sa.bindparam("row_id"))
                .values(
                    seq=sa.bindparam("seq"),
                    prev_hash=sa.bindparam("prev_hash"),
                    hash=sa.bindparam("hash"),
                ),
                links,
            )
        bind.execute(
            chain_head.insert().values(
                team_id=team, seq=seq, hash=prev, created_at=first_at, updated_at=last_at
            )
        )


def _refuse_changes() -> None:
    op.execute(
        f"""
        CREATE FUNCTION {REFUSE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {TRIGGERS[0]} BEFORE UPDATE OR DELETE ON audit_event "
        f"FOR EACH ROW EXECUTE FUNCTION {REFUSE_FUNCTION}()"
    )
    op.execute(
        f"CREATE TRIGGER {TRIGGERS[1]} BEFORE TRUNCATE ON audit_event "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {REFUSE_FUNCTION}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON audit_event")
        op.execute(f"DROP FUNCTION IF EXISTS {REFUSE_FUNCTION}()")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_team_id_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain_head")
