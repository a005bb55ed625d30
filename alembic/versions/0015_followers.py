"""organisations that follow a person, their referents, the consent to share; each person is
followed by the organisation that holds their record since the record's creation (backfill)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 09:58:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import api.db  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: Union[str, None] = "0014"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("started_at", api.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", api.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_by_user_id", sa.Integer(), nullable=True),
        sa.Column("ended_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"], ["beneficiaries.id"], name=op.f("fk_followers_beneficiary_id_beneficiaries")
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_user_id"], ["users.id"], name=op.f("fk_followers_ended_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_followers_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["started_by_user_id"], ["users.id"], name=op.f("fk_followers_started_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followers")),
    )
    with op.batch_alter_table("followers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_followers_beneficiary_id_organisation_id", ["beneficiary_id", "organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_followers_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "sharing_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("given_at", api.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("given_how", sa.String(length=12), nullable=False),
        sa.Column("given_by_user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("withdrawn_at", api.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "given_how IN ('professional', 'sms')", name=op.f("ck_sharing_consents_given_how_known")
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiaries.id"],
            name=op.f("fk_sharing_consents_beneficiary_id_beneficiaries"),
        ),
        sa.ForeignKeyConstraint(
            ["given_by_user_id"], ["users.id"], name=op.f("fk_sharing_consents_given_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_user_id"],
            ["users.id"],
            name=op.f("fk_sharing_consents_withdrawn_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_consents")),
    )
    with op.batch_alter_table("sharing_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_consents_beneficiary_id"), ["beneficiary_id"], unique=False
        )

    op.create_table(
        "follower_referents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["follower_id"], ["followers.id"], name=op.f("fk_follower_referents_follower_id_followers")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_follower_referents_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follower_referents")),
        sa.UniqueConstraint("follower_id", "user_id", name=op.f("uq_follower_referents_follower_id_user_id")),
    )
    with op.batch_alter_table("follower_referents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follower_referents_follower_id"), ["follower_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follower_referents_user_id"), ["user_id"], unique=False)
    op.execute(
        "INSERT INTO followers (beneficiary_id, organisation_id, started_at) "
        "SELECT id, organisation_id, created_at FROM beneficiaries ORDER BY id"
    )


def downgrade() -> None:
    with op.batch_alter_table("follower_referents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follower_referents_user_id"))
        batch_op.drop_index(batch_op.f("ix_follower_referents_follower_id"))

    op.drop_table("follower_referents")
    with op.batch_alter_table("sharing_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_consents_beneficiary_id"))

    op.drop_table("sharing_consents")
    with op.batch_alter_table("followers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followers_organisation_id"))
        batch_op.drop_index("ix_followers_beneficiary_id_organisation_id")

    op.drop_table("followers")
