"""Recording inbound messages: once per MessageSid, whatever Twilio retries."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import utcnow
from api.messaging.models import InboundMessage
from api.messaging.text_safety import clean_field, clean_inbound_text


def record_inbound(
    session: Session,
    *,
    message_sid: str,
    channel: str,
    from_phone: str,
    to_address: str,
    body: str,
    num_media: int,
) -> tuple[InboundMessage, bool]:
    """Store a message; returns (message, created). A replayed MessageSid creates nothing.

    The body is stored as api/messaging/text_safety.py cleans it (no NUL, no lone surrogate,
    no bidi mark, bounded length): everything downstream reads that same text.
    """
    message_sid = clean_field(message_sid, max_chars=64)
    body = clean_inbound_text(body)
    to_address = clean_field(to_address, max_chars=40)
    existing = session.scalar(select(InboundMessage).where(InboundMessage.message_sid == message_sid))
    if existing is not None:
        return existing, False
    message = InboundMessage(
        message_sid=message_sid,
        channel=channel,
        from_phone=from_phone,
        to_address=to_address,
        body=body,
        num_media=num_media,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        # Two deliveries of the same webhook raced: the other one stored it.
        existing = session.scalar(select(InboundMessage).where(InboundMessage.message_sid == message_sid))
        assert existing is not None
        return existing, False
    return message, True


def next_unprocessed(session: Session, *, from_phone: str) -> InboundMessage | None:
    """The oldest message of this sender still to handle."""
    query = (
        select(InboundMessage)
        .where(InboundMessage.from_phone == from_phone, InboundMessage.state == "received")
        .order_by(InboundMessage.id)
        .limit(1)
    )
    return session.scalar(query)


def senders_with_unprocessed(session: Session) -> list[str]:
    """Senders with messages left unhandled (after a restart)."""
    query = select(InboundMessage.from_phone).where(InboundMessage.state == "received").distinct()
    return list(session.scalars(query))


def mark_processed(session: Session, *, message: InboundMessage, outcome: str) -> None:
    message.state = "done"
    message.outcome = outcome
    message.processed_at = utcnow()
    session.flush()
