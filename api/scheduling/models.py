from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class ScheduledMessage(Base):
    """A message the system owes later. The database, not memory, holds what is due."""

    __tablename__ = "scheduled_messages"
    __table_args__ = (UniqueConstraint("kind", "due_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    # What the message is about, e.g. "appointment:12:2026-12-03T09:00" (a moved appointment
    # gets reminders for its new start); with `kind`, it makes scheduling idempotent.
    due_key: Mapped[str] = mapped_column(String(80))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # pending -> queued (in the outbox) | skipped (no longer applies, or too late)
    #         | failed (could not be decided: the error is in `note`, a professional is told)
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
