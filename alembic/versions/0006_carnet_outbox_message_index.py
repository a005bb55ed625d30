"""index carnet_entries.outbox_message_id (the dispatcher and status callbacks look entries up by it)

Revision ID: 0006
Revises: 0005
"""

from typing import Sequence, Union

from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("carnet_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_carnet_entries_outbox_message_id"), ["outbox_message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("carnet_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carnet_entries_outbox_message_id"))
