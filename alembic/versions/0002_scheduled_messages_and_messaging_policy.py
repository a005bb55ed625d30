"""scheduled messages and messaging policy

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 23:34:04.415587

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import api.db


# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "scheduled_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("due_key", sa.String(length=80), nullable=False),
        sa.Column("due_at", api.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("claim_token", sa.String(length=36), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", api.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_scheduled_messages_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiaries.id"],
            name=op.f("fk_scheduled_messages_beneficiary_id_beneficiaries"),
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_scheduled_messages_invitation_id_invitations"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_scheduled_messages_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_scheduled_messages_outbox_message_id_outbox_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_messages")),
        sa.UniqueConstraint("kind", "due_key", name=op.f("uq_scheduled_messages_kind_due_key")),
    )
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_messages_beneficiary_id"), ["beneficiary_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scheduled_messages_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scheduled_messages_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scheduled_messages_state"), ["state"], unique=False)

    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", api.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("status_changed_at", api.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("beneficiaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_problem", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("pending_question", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("last_inbound_at", api.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=12), nullable=False, server_default="invitation")
        )
        batch_op.add_column(sa.Column("appointment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invitations_appointment_id_appointments"),
            "appointments",
            ["appointment_id"],
            ["id"],
            use_alter=True,
        )

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relance_after_days", sa.Integer(), nullable=False, server_default="3"))
        batch_op.add_column(
            sa.Column("invitation_validity_days", sa.Integer(), nullable=False, server_default="10")
        )
        batch_op.add_column(
            sa.Column("reminder_days_before", sa.Integer(), nullable=False, server_default="2")
        )
        batch_op.add_column(sa.Column("reminder_hour", sa.Integer(), nullable=False, server_default="10"))
        batch_op.add_column(
            sa.Column("reminder_day_before", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("late_cancellation_hours", sa.Integer(), nullable=False, server_default="4")
        )
        batch_op.add_column(sa.Column("sending_start_hour", sa.Integer(), nullable=False, server_default="8"))
        batch_op.add_column(sa.Column("sending_end_hour", sa.Integer(), nullable=False, server_default="20"))
        batch_op.add_column(
            sa.Column("sending_weekdays", sa.String(length=7), nullable=False, server_default="012345")
        )
        batch_op.add_column(
            sa.Column("skip_public_holidays", sa.Boolean(), nullable=False, server_default=sa.true())
        )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_sid", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("content_variables", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("claim_token", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", api.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_messages_claim_token"), ["claim_token"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_claim_token"))
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("content_variables")
        batch_op.drop_column("content_sid")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("skip_public_holidays")
        batch_op.drop_column("sending_weekdays")
        batch_op.drop_column("sending_end_hour")
        batch_op.drop_column("sending_start_hour")
        batch_op.drop_column("late_cancellation_hours")
        batch_op.drop_column("reminder_day_before")
        batch_op.drop_column("reminder_hour")
        batch_op.drop_column("reminder_days_before")
        batch_op.drop_column("invitation_validity_days")
        batch_op.drop_column("relance_after_days")

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_invitations_appointment_id_appointments"), type_="foreignkey")
        batch_op.drop_column("appointment_id")
        batch_op.drop_column("kind")

    with op.batch_alter_table("beneficiaries", schema=None) as batch_op:
        batch_op.drop_column("last_inbound_at")
        batch_op.drop_column("pending_question")
        batch_op.drop_column("phone_problem")

    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("confirmed_at")

    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_messages_state"))
        batch_op.drop_index(batch_op.f("ix_scheduled_messages_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_scheduled_messages_due_at"))
        batch_op.drop_index(batch_op.f("ix_scheduled_messages_beneficiary_id"))

    op.drop_table("scheduled_messages")
