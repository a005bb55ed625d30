"""outbox claims name their dispatcher, and dispatchers beat

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 01:15:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import api.db  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'outbox_dispatchers',
        sa.Column('owner', sa.String(length=32), nullable=False),
        sa.Column('started_at', api.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('beat_at', api.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('owner', name=op.f('pk_outbox_dispatchers')),
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_owner', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('claim_owner')
    op.drop_table('outbox_dispatchers')
