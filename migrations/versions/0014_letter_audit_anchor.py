"""letters record the head of the audit chain when issued (audit_head_id, audit_head_hash): anchors for audit-verify

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 09:00:00

Letters issued before this revision have no anchor (both columns NULL); `flask audit-verify` skips them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_head_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('audit_head_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_column('audit_head_hash')
        batch_op.drop_column('audit_head_id')
