"""queue: who took an entry and when, who closed it and when

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 01:00:00.000000

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import api.db  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("taken_by_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("taken_at", api.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_by_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", api.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_handoff_requests_taken_by_user_id_users"), "users", ["taken_by_user_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_handoff_requests_closed_by_user_id_users"), "users", ["closed_by_user_id"], ["id"]
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_handoff_requests_closed_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_handoff_requests_taken_by_user_id_users"), type_="foreignkey")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("closed_by_user_id")
        batch_op.drop_column("taken_at")
        batch_op.drop_column("taken_by_user_id")
