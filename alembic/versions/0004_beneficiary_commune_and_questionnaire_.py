"""beneficiary commune and questionnaire setting

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 23:55:22.083675

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import api.db  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: Union[str, None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("beneficiaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_insee", sa.String(length=5), nullable=True))
        batch_op.alter_column(
            "pending_question", type_=sa.String(length=40), existing_type=sa.String(length=30)
        )

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("questionnaire_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("questionnaire_enabled")

    with op.batch_alter_table("beneficiaries", schema=None) as batch_op:
        batch_op.drop_column("code_insee")
        batch_op.alter_column(
            "pending_question", type_=sa.String(length=30), existing_type=sa.String(length=40)
        )
