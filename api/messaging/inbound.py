"""Recording inbound messages: once per MessageSid, whatever Twilio retries; handling them once."""

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from api.db import utcnow
from api.messaging.models import InboundMessage
from api.text_safety import clean_field, clean_inbound_text

# The error kept on a message whose handling failed (the end of a traceback is enough).
MAX_ERROR_CHARS = 2000


class AlreadyProcessed(Exception):
    """The message was marked handled by another handling: what this one did must roll back."""


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

    The body is stored as api/text_safety.py cleans it (no NUL, no lone surrogate,
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
    """Mark the message handled, in the transaction of what handling it did.

    A guarded UPDATE: if another handling marked it first, AlreadyProcessed is raised and the
    caller's transaction (with its replies and effects) must roll back.
    """
    session.flush()
    now = utcnow()
    marked = session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message.id, InboundMessage.state == "received")
        .values(state="done", outcome=outcome, processed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not marked:
        raise AlreadyProcessed(f"inbound message {message.id}")
    set_committed_value(message, "state", "done")
    set_committed_value(message, "outcome", outcome)
    set_committed_value(message, "processed_at", now)


def begin_attempt(session: Session, *, message: InboundMessage) -> int:
    """Count one more handling of this message (commit it before handling); the new count."""
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message.id)
        .values(attempts=InboundMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(message, ["attempts"])
    return message.attempts


def note_failure(session: Session, *, message: InboundMessage, error: str) -> None:
    """Keep why the latest handling of this message failed."""
    message.last_error = error[-MAX_ERROR_CHARS:]
    session.flush()
