"""Whose message is it: an inbound SMS from a number known in several organisations.

A number is unique within an organisation only (docs/security.md), so the same phone can be
the record of one person in two départements. Each inbound message goes to exactly one record:

1. the one we most recently wrote to (the newest outbox message to that number that was not
   cancelled or failed): the person is most likely answering it;
2. otherwise the one who wrote last from this number;
3. otherwise the oldest record.

The answer then comes from that record's organisation only; nothing in it tells the person
or either organisation that the other exists. STOP and START apply to every record of the
number (api/beneficiaries/service.py: set_opted_out).
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.messaging.models import InboundMessage, OutboxMessage

# Outbox rows that never reached the person say nothing about what they are answering.
NOT_DELIVERED_STATES = ("cancelled", "failed")


def recipient_of_inbound(
    session: Session, *, phone: str, before_inbound_id: int | None = None
) -> Beneficiary | None:
    """The record an inbound message from this number belongs to, or None for an unknown number."""
    records = beneficiary_service.records_of_number(session, phone=phone)
    if len(records) <= 1:
        return records[0] if records else None
    by_id = {record.id: record for record in records}
    last_written_to = session.scalar(
        select(OutboxMessage.beneficiary_id)
        .where(
            OutboxMessage.to_phone == phone,
            OutboxMessage.beneficiary_id.in_(by_id),
            OutboxMessage.state.not_in(NOT_DELIVERED_STATES),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    if last_written_to is not None:
        return by_id[last_written_to]
    wrote_last = select(InboundMessage.beneficiary_id).where(
        InboundMessage.from_phone == phone, InboundMessage.beneficiary_id.in_(by_id)
    )
    if before_inbound_id is not None:
        wrote_last = wrote_last.where(InboundMessage.id < before_inbound_id)
    last_writer = session.scalar(wrote_last.order_by(InboundMessage.id.desc()).limit(1))
    if last_writer is not None:
        return by_id[last_writer]
    return records[0]
