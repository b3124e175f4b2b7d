"""hash-chained audit log, append-only on PostgreSQL

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 23:30:00

Adds audit_events.prev_hash and row_hash, computes the chain for the rows already there (in id order, with
the same function the app uses: portal.domain.audit_chain, pure Python), then makes both columns NOT NULL.
On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on audit_events (docs/DEPLOY.md: the app's role
should also have INSERT and SELECT only).
"""
from alembic import op
import sqlalchemy as sa

from portal.domain.audit_chain import GENESIS, row_hash


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 2000
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is refused (the audit log is hash-chained)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)

audit_events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer), sa.column('at', sa.DateTime), sa.column('actor_id', sa.Integer),
    sa.column('action', sa.String), sa.column('target_type', sa.String), sa.column('target_id', sa.Integer),
    sa.column('ip', sa.String), sa.column('detail', sa.JSON),
    sa.column('prev_hash', sa.String), sa.column('row_hash', sa.String),
)


def _chain_existing_rows(connection) -> None:
    t = audit_events
    prev, after = GENESIS, 0
    while True:
        rows = connection.execute(sa.select(t.c.id, t.c.at, t.c.actor_id, t.c.action, t.c.target_type,
                                            t.c.target_id, t.c.ip, t.c.detail)
                                  .where(t.c.id > after).order_by(t.c.id).limit(BATCH)).all()
        if not rows:
            return
        updates = []
        for row in rows:
            digest = row_hash(prev, id=row.id, at=row.at, actor_id=row.actor_id, action=row.action,
                              target_type=row.target_type, target_id=row.target_id, ip=row.ip,
                              detail=row.detail)
            updates.append({"row_id": row.id, "prev": prev, "digest": digest})
            prev = digest
        connection.execute(t.update().where(t.c.id == sa.bindparam("row_id"))
                           .values(prev_hash=sa.bindparam("prev"), row_hash=sa.bindparam("digest")), updates)
        after = rows[-1].id


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))

    _chain_existing_rows(op.get_bind())

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('row_hash', existing_type=sa.String(length=64), nullable=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY_FUNCTION)
        for statement in TRIGGERS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
