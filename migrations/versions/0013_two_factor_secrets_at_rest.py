"""two-factor secrets at rest: room for the sealed TOTP secret ("v1:" + AES-GCM) and the scrypt recovery hash;
background jobs whose worker died: data_imports.started_at, verivali_periods.message

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 09:00:00

Existing rows are left as they are: a plaintext secret is sealed the next time it is used, a SHA-256 recovery
hash keeps working until it is spent or replaced (portal/services/two_factor.py). An import running before
this revision has no started_at; its upload time stands in (portal/services/imports.py settle_abandoned).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=128),
                              existing_nullable=True)

    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.alter_column('code_hash', existing_type=sa.String(length=64), type_=sa.String(length=80),
                              existing_nullable=False)

    with op.batch_alter_table('data_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('verivali_periods', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=True))


def downgrade():
    # Sealed secrets and scrypt hashes do not fit the old widths, and the old code cannot read them: going back
    # needs those users' two-factor reset first (admin > pengguna), rather than silently cutting values.
    bind = op.get_bind()
    longer = bind.execute(sa.text(
        "SELECT (SELECT count(*) FROM users WHERE length(totp_secret) > 64)"
        " + (SELECT count(*) FROM recovery_codes WHERE length(code_hash) > 64)")).scalar()
    if longer:
        raise RuntimeError(f"{longer} two-factor secret(s) or recovery code(s) are in the new form; reset "
                           "two-factor login for those users before downgrading below 0013.")

    with op.batch_alter_table('verivali_periods', schema=None) as batch_op:
        batch_op.drop_column('message')

    with op.batch_alter_table('data_imports', schema=None) as batch_op:
        batch_op.drop_column('started_at')

    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.alter_column('code_hash', existing_type=sa.String(length=80), type_=sa.String(length=64),
                              existing_nullable=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=128), type_=sa.String(length=64),
                              existing_nullable=True)
