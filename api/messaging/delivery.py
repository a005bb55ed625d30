"""Delivery statuses from Twilio: idempotent, and safe when they come out of order."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.carnet.models import CarnetEntry
from api.handoffs import service as handoff_service
from api.messaging import outbox
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
        if status in ("undelivered", "failed"):
            apply_delivery_error(session, message=message, code=error_code)
        entry = session.scalar(select(CarnetEntry).where(CarnetEntry.outbox_message_id == message.id))
        if entry is not None:
            entry.data = {**entry.data, "delivery_status": status}
    session.flush()
    return True


# Twilio error codes that say something about the person, not about this one message.
OPTED_OUT_CODES = {"21610": "unsubscribed", "63014": "blocked by the user"}
PHONE_PROBLEM_CODES = {"30006": "landline", "30003": "unreachable", "21614": "not a mobile"}
WHATSAPP_WINDOW_CLOSED = "63016"


def apply_delivery_error(session: Session, *, message: OutboxMessage, code: str | None) -> None:
    """Record what a permanent error means for the recipient, visibly for professionals."""
    beneficiary = session.get(Beneficiary, message.beneficiary_id) if message.beneficiary_id else None
    if beneficiary is None:
        return
    if code in OPTED_OUT_CODES:
        beneficiary_service.set_opted_out(session, beneficiary=beneficiary, opted_out=True)
        carnet_service.add_entry(
            session,
            beneficiary_id=beneficiary.id,
            kind="opted_out_by_carrier",
            author="system",
            body=f"Twilio {code}: {OPTED_OUT_CODES[code]}",
            outbox_message_id=message.id,
        )
    elif code in PHONE_PROBLEM_CODES and message.channel == "sms":
        if beneficiary.phone_problem is None:
            beneficiary.phone_problem = PHONE_PROBLEM_CODES[code]
            handoff_service.open_request(
                session,
                reason="unreachable_number",
                text=f"SMS impossible (Twilio {code} : {PHONE_PROBLEM_CODES[code]})",
                beneficiary=beneficiary,
            )
    elif code == WHATSAPP_WINDOW_CLOSED and message.channel == "whatsapp":
        if not beneficiary.opted_out and beneficiary.phone_problem is None:
            outbox.enqueue(
                session,
                beneficiary=beneficiary,
                body=message.body,
                kind=message.kind,
                channel="sms",
                in_reply_to_id=message.in_reply_to_id,
            )
    else:
        handoff_service.open_request(
            session,
            reason="delivery_failed",
            text=f"Message non remis (Twilio {code or 'sans code'}) : {message.body[:200]}",
            beneficiary=beneficiary,
        )
    session.flush()
