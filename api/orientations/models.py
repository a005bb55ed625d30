"""Orientation requests (issue 15, after DORA's): a professional who follows a person asks a service
of the catalogue to take them on, with a short reason; the service's structure accepts or refuses.

The receiving structure is an organisation with member accounts when the service is one of its own
offers (source `organisation-<id>`), otherwise the e-mail address the catalogue gives for the
service. Mails are rows too (`orientation_mails`), sent by the scheduler and retried, so that a
request is never lost because a mail server was down.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow

STATES = ("open", "accepted", "refused", "expired")
MAIL_STATES = ("pending", "sent", "failed")


class OrientationRequest(Base):
    __tablename__ = "orientation_requests"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'accepted', 'refused', 'expired')", name="state_known"),
        CheckConstraint("to_organisation_id IS NOT NULL OR to_email IS NOT NULL", name="has_a_recipient"),
        Index("ix_orientation_requests_state_created_at", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    # The structure that sends it (one that follows the person) and the professional who did.
    from_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    sent_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The service asked, and what the SMS and the carnet say of it even if the catalogue changes.
    service_id: Mapped[int | None] = mapped_column(ForeignKey("offer_services.id"), index=True)
    service_name: Mapped[str] = mapped_column(String(150))
    structure_name: Mapped[str] = mapped_column(String(150))
    contact: Mapped[str] = mapped_column(String(200), default="")
    # Who answers: an organisation's members, or an e-mail address when it has no account here.
    to_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    to_email: Mapped[str | None] = mapped_column(String(254))
    theme: Mapped[str] = mapped_column(String(150))
    reason: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_reason: Mapped[str] = mapped_column(String(500), default="")
    # The member who answered (None when answered through the e-mail link, or expired).
    answered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The SMS telling the person it was accepted (None: not accepted, or the person said STOP).
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))


class OrientationMail(Base):
    """One e-mail owed about a request (the request itself, a reminder), sent by the scheduler."""

    __tablename__ = "orientation_mails"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'failed')", name="state_known"),
        Index("ix_orientation_mails_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    orientation_id: Mapped[int] = mapped_column(ForeignKey("orientation_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # request, reminder
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Hash of the secret of the answer link in this mail (each mail its own link, valid while open).
    link_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
