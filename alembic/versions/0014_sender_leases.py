"""a sender's inbound messages are handled by one gateway at a time

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import api.db  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'sender_leases',
        sa.Column('phone', sa.String(length=32), nullable=False),
        sa.Column('owner', sa.String(length=32), nullable=False),
        sa.Column('taken_at', api.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('phone', name=op.f('pk_sender_leases')),
    )


def downgrade() -> None:
    op.drop_table('sender_leases')
