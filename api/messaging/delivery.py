"""Delivery statuses from Twilio: idempotent, and safe when they come out of order."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.carnet.models import CarnetEntry
from api.messaging.models import DeliveryStatusEvent, OutboxMessage

# Later statuses win; a status never goes back to an earlier one.
STATUS_RANK = {
    "accepted": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "read": 6,
}


def record_status(session: Session, *, message_sid: str, status: str, error_code: str | None) -> bool:
    """Store a status callback once; returns False for a repeat."""
    event = DeliveryStatusEvent(message_sid=message_sid, status=status, error_code=error_code or None)
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:
        return False
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == message_sid))
    if message is not None and STATUS_RANK.get(status, -1) > STATUS_RANK.get(
        message.delivery_status or "", -1
    ):
        message.delivery_status = status
        if error_code:
            message.error_code = error_code
        entry = session.scalar(select(CarnetEntry).where(CarnetEntry.outbox_message_id == message.id))
        if entry is not None:
            entry.data = {**entry.data, "delivery_status": status}
    session.flush()
    return True
