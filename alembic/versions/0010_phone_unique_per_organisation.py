"""phone unique per organisation, login throttles, console sessions' last activity

- beneficiaries: the global unique phone becomes unique per (organisation_id, phone), with a
  plain index on phone for the gateway's lookup;
- login_throttles (atomic counters of failed console logins) replaces login_attempts;
- console_sessions.last_seen_at, for the idle timeout.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 10:00:00.000000

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import api.db  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # On SQLite this recreates the table (batch mode); alembic/env.py turns foreign keys off
    # around the migrations, as SQLite's own procedure for such changes says.
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.drop_constraint('uq_beneficiaries_phone', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_beneficiaries_organisation_id_phone'), ['organisation_id', 'phone']
        )
        batch_op.create_index(batch_op.f('ix_beneficiaries_phone'), ['phone'], unique=False)

    op.create_table(
        'login_throttles',
        sa.Column('key', sa.String(length=320), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', api.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles')),
    )
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_login_throttles_window_started_at'), ['window_started_at'], unique=False
        )

    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_ip_at')
        batch_op.drop_index('ix_login_attempts_email_at')
    op.drop_table('login_attempts')

    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', api.db.UTCDateTime(timezone=True), nullable=True))
    op.execute('UPDATE console_sessions SET last_seen_at = created_at')
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=api.db.UTCDateTime(timezone=True), nullable=False)


def downgrade() -> None:
    """Downgrade schema (fails if a number is now known in two organisations)."""
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')

    op.create_table(
        'login_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('ip', sa.String(length=45), nullable=False),
        sa.Column('succeeded', sa.Boolean(), nullable=False),
        sa.Column('at', api.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts')),
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_email_at', ['email', 'at'], unique=False)
        batch_op.create_index('ix_login_attempts_ip_at', ['ip', 'at'], unique=False)

    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttles_window_started_at'))
    op.drop_table('login_throttles')

    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_beneficiaries_phone'))
        batch_op.drop_constraint(batch_op.f('uq_beneficiaries_organisation_id_phone'), type_='unique')
        batch_op.create_unique_constraint('uq_beneficiaries_phone', ['phone'])
