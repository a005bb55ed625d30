"""outbox messages carry a send-before deadline and the offer they carry

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import api.db  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_before', api.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_outbox_messages_invitation_id_invitations', 'invitations', ['invitation_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_messages_invitation_id_invitations', type_='foreignkey')
        batch_op.drop_column('invitation_id')
        batch_op.drop_column('send_before')
