"""Which messages and queue entries are about a person: theirs, and those of their number that
belong to nobody (sent or received before the number was registered; the operator's queue).

A row of the same number linked to someone else (a number that changed hands) is not theirs.
"""

from sqlalchemy import ColumnElement, and_, or_

from api.handoffs.models import HandoffRequest
from api.messaging.models import InboundMessage, OutboxMessage


def inbound_messages(beneficiary_id: int, phone: str) -> ColumnElement[bool]:
    return or_(
        InboundMessage.beneficiary_id == beneficiary_id,
        and_(InboundMessage.beneficiary_id.is_(None), InboundMessage.from_phone == phone),
    )


def outbox_messages(beneficiary_id: int, phone: str) -> ColumnElement[bool]:
    return or_(
        OutboxMessage.beneficiary_id == beneficiary_id,
        and_(OutboxMessage.beneficiary_id.is_(None), OutboxMessage.to_phone == phone),
    )


def handoff_requests(beneficiary_id: int, phone: str) -> ColumnElement[bool]:
    return or_(
        HandoffRequest.beneficiary_id == beneficiary_id,
        and_(HandoffRequest.beneficiary_id.is_(None), HandoffRequest.phone == phone),
    )
