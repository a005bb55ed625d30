from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class InboundMessage(Base):
    """A message received from Twilio (or the local simulator), stored once per MessageSid."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(12))  # sms, whatsapp
    from_phone: Mapped[str] = mapped_column(String(32), index=True)
    to_address: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text, default="")
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="received")  # received, done
    outcome: Mapped[str | None] = mapped_column(String(40))
    # Handlings begun (counted before each one); after SPIE_INBOUND_MAX_ATTEMPTS the message
    # is given up into the professionals' queue and the sender's next messages go on.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundEffect(Base):
    """What handling an inbound message did, once: an effect keyed by the message's id.

    Written in the same transaction as the effect itself. Running the message again (after a
    crash) finds the row and returns its stored result instead of acting a second time.
    """

    __tablename__ = "inbound_effects"
    __table_args__ = (UniqueConstraint("inbound_message_id", "effect"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"))
    effect: Mapped[str] = mapped_column(String(40))  # triage, slot_choice, appointment_reply...
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """A message to send. Every outbound message goes through this table."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    channel: Mapped[str] = mapped_column(String(12))
    to_phone: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30))  # invitation, reply, opt_out_confirmation...
    # pending -> sending -> sent; or failed / cancelled. A send whose answer was lost (timeout,
    # reset) or whose dispatcher died goes sending -> uncertain, then is looked up at Twilio:
    # uncertain -> sent (found) | pending (not found: it never left) | failed (cannot tell).
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(10))
    error_message: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(Integer, default=1)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    # WhatsApp outside the 24 h window: an approved template instead of free text.
    content_sid: Mapped[str | None] = mapped_column(String(40))
    content_variables: Mapped[str | None] = mapped_column(Text)
    # After this the message no longer makes sense (an appointment about to start, an
    # offer that expired): the dispatcher cancels it instead of sending it late.
    send_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The numbered offer this message carries (invitation, relance), checked again at sending.
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    claim_token: Mapped[str | None] = mapped_column(String(36), index=True)
    # The dispatcher holding the claim (outbox_dispatchers.owner): its heartbeat says if it lives.
    claim_owner: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryStatusEvent(Base):
    """A Twilio status callback, stored once per (MessageSid, status)."""

    __tablename__ = "delivery_status_events"
    __table_args__ = (UniqueConstraint("message_sid", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxDispatcherBeat(Base):
    """A running dispatcher's heartbeat: the claims of one that stopped beating are resolved."""

    __tablename__ = "outbox_dispatchers"

    owner: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SenderLease(Base):
    """Which gateway handles a sender's messages now: one at a time, so their order holds."""

    __tablename__ = "sender_leases"

    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(32))  # outbox_dispatchers.owner of that gateway
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
