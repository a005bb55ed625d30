"""Delivery statuses from Twilio: idempotent, and safe when they come out of order."""

from typing import Any

from sqlalchemy import JSON, cast, func, literal, or_, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.carnet.models import CarnetEntry
from api.db import Base, insert_for, utcnow
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
    """Store a status callback once; returns False for a repeat.

    Three statements, no savepoint: the event (a repeat inserts nothing), the outbox row only
    where this status ranks above the one it has (a guarded UPDATE), then that row's carnet entry.
    A permanent failure also reads the row, for what it means for the person."""
    events = DeliveryStatusEvent.__table__
    stored = session.execute(
        insert_for(session, events)
        .values(message_sid=message_sid, status=status, error_code=error_code or None, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=[events.c.message_sid, events.c.status])
        .returning(events.c.id)
    ).first()
    if stored is None:
        return False
    rank = STATUS_RANK.get(status, -1)
    if rank < 0:
        return True  # a status we do not know never replaces one
    not_below = [known for known, known_rank in STATUS_RANK.items() if known_rank >= rank]
    values: dict[str, str] = {"delivery_status": status}
    if error_code:
        values["error_code"] = error_code
    advanced = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.provider_sid == message_sid,
            or_(OutboxMessage.delivery_status.is_(None), OutboxMessage.delivery_status.not_in(not_below)),
        )
        .values(values)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if advanced is None:
        return True
    _expire_if_loaded(session, OutboxMessage, advanced, list(values))
    if status in ("undelivered", "failed"):
        message = session.get(OutboxMessage, advanced)
        assert message is not None
        apply_delivery_error(session, message=message, code=error_code)
    entries = session.scalars(
        update(CarnetEntry)
        .where(CarnetEntry.outbox_message_id == advanced)
        .values(data=_with_key(session, CarnetEntry.data, "delivery_status", status))
        .returning(CarnetEntry.id)
        .execution_options(synchronize_session=False)
    ).all()
    for entry_id in entries:
        _expire_if_loaded(session, CarnetEntry, entry_id, ["data"])
    return True


def _expire_if_loaded(session: Session, model: type[Base], row_id: int, attributes: list[str]) -> None:
    """A row this session holds, written by a statement: its copy reads the new values next."""
    loaded = session.identity_map.get(identity_key(model, row_id))
    if loaded is not None:
        session.expire(loaded, attributes)


def _with_key(session: Session, column: Any, key: str, value: str) -> Any:
    """SQL for the JSON object in `column` with `key` set to `value` (the column is JSON, not JSONB)."""
    if session.get_bind().dialect.name == "postgresql":
        current = func.coalesce(cast(column, JSONB), cast(literal("{}"), JSONB))
        return cast(current.op("||")(func.jsonb_build_object(key, value)), JSON)
    return func.json_set(func.coalesce(column, "{}"), f"$.{key}", value)


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
