"""inbound effects keyed by the inbound message, and an attempt count per inbound message

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import api.db  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'inbound_effects',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inbound_message_id', sa.Integer(), nullable=False),
        sa.Column('effect', sa.String(length=40), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('created_at', api.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['inbound_message_id'],
            ['inbound_messages.id'],
            name=op.f('fk_inbound_effects_inbound_message_id_inbound_messages'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_effects')),
        sa.UniqueConstraint(
            'inbound_message_id', 'effect', name=op.f('uq_inbound_effects_inbound_message_id_effect')
        ),
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
    op.drop_table('inbound_effects')
