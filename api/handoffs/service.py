from sqlalchemy import select
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.handoffs.models import HandoffRequest


def open_request(
    session: Session,
    *,
    reason: str,
    text: str = "",
    beneficiary: Beneficiary | None = None,
    phone: str | None = None,
    inbound_message_id: int | None = None,
) -> HandoffRequest:
    """Put someone in the professionals' queue (and note it in their carnet)."""
    request = HandoffRequest(
        organisation_id=beneficiary.organisation_id if beneficiary else None,
        beneficiary_id=beneficiary.id if beneficiary else None,
        phone=None if beneficiary else phone,
        reason=reason,
        text=text,
        inbound_message_id=inbound_message_id,
    )
    session.add(request)
    session.flush()
    if beneficiary is not None:
        carnet_service.add_entry(
            session,
            beneficiary_id=beneficiary.id,
            kind="handoff_requested",
            author="assistant",
            body=text,
            inbound_message_id=inbound_message_id,
            data={"reason": reason, "handoff_id": request.id},
        )
    return request


def list_requests(
    session: Session, *, organisation_id: int | None = None, state: str | None = "open"
) -> list[HandoffRequest]:
    """The queue, oldest first."""
    query = select(HandoffRequest).order_by(HandoffRequest.created_at, HandoffRequest.id)
    if organisation_id is not None:
        query = query.where(HandoffRequest.organisation_id == organisation_id)
    if state is not None:
        query = query.where(HandoffRequest.state == state)
    return list(session.scalars(query))
