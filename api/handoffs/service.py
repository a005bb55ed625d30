from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from api.auth import Principal
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.handoffs.models import HandoffRequest

# Entries a professional still has to deal with: a new reason for the same person joins them.
ACTIVE_STATES = ("open", "taken")


def open_request(
    session: Session,
    *,
    reason: str,
    text: str = "",
    beneficiary: Beneficiary | None = None,
    phone: str | None = None,
    inbound_message_id: int | None = None,
) -> HandoffRequest:
    """Put someone in the professionals' queue (and note it in their carnet).

    A person has at most one open (or taken) request: a new reason is added to it, so
    that professionals see one entry with the whole context.
    """
    request = _open_request_of(session, beneficiary=beneficiary, phone=phone)
    if request is not None:
        request.text = f"{request.text}\n[{reason}] {text}".strip()
        _note_in_carnet(session, beneficiary, reason, text, request, inbound_message_id)
        session.flush()
        return request
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
    _note_in_carnet(session, beneficiary, reason, text, request, inbound_message_id)
    return request


def _open_request_of(
    session: Session, *, beneficiary: Beneficiary | None, phone: str | None
) -> HandoffRequest | None:
    query = (
        select(HandoffRequest)
        .where(HandoffRequest.state.in_(ACTIVE_STATES))
        .order_by(HandoffRequest.id)
        .limit(1)
    )
    if beneficiary is not None:
        query = query.where(HandoffRequest.beneficiary_id == beneficiary.id)
    elif phone is not None:
        query = query.where(HandoffRequest.phone == phone, HandoffRequest.beneficiary_id.is_(None))
    else:
        return None
    return session.scalar(query)


def _note_in_carnet(
    session: Session,
    beneficiary: Beneficiary | None,
    reason: str,
    text: str,
    request: HandoffRequest,
    inbound_message_id: int | None,
) -> None:
    if beneficiary is None:
        return
    carnet_service.add_entry(
        session,
        beneficiary_id=beneficiary.id,
        kind="handoff_requested",
        author="assistant",
        body=text,
        inbound_message_id=inbound_message_id,
        data={"reason": reason, "handoff_id": request.id},
    )


def visible_to(user: Principal) -> ColumnElement[bool]:
    """The entries a user may see: their organisations', and unknown numbers' for the operator."""
    scope: ColumnElement[bool] = HandoffRequest.organisation_id.in_(user.organisation_ids)
    if user.is_superadmin:
        scope = or_(scope, HandoffRequest.organisation_id.is_(None))
    return scope


def find_visible(session: Session, *, user: Principal, request_id: int) -> HandoffRequest | None:
    return session.scalar(select(HandoffRequest).where(HandoffRequest.id == request_id, visible_to(user)))


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


def take_request(session: Session, *, request: HandoffRequest, user_id: int, now: datetime) -> bool:
    """A professional takes an open entry; False when someone else took or closed it first."""
    taken = session.execute(
        update(HandoffRequest)
        .where(HandoffRequest.id == request.id, HandoffRequest.state == "open")
        .values(state="taken", taken_by_user_id=user_id, taken_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(request)
    if taken and request.beneficiary_id is not None:
        carnet_service.add_entry(
            session,
            beneficiary_id=request.beneficiary_id,
            kind="handoff_taken",
            author="professional",
            data={"handoff_id": request.id, "user_id": user_id},
        )
    return bool(taken)


def close_request(session: Session, *, request: HandoffRequest, user_id: int, now: datetime) -> bool:
    """Close an open or taken entry; False when it was already closed."""
    closed = session.execute(
        update(HandoffRequest)
        .where(HandoffRequest.id == request.id, HandoffRequest.state.in_(ACTIVE_STATES))
        .values(state="closed", closed_by_user_id=user_id, closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(request)
    if closed and request.beneficiary_id is not None:
        carnet_service.add_entry(
            session,
            beneficiary_id=request.beneficiary_id,
            kind="handoff_closed",
            author="professional",
            data={"handoff_id": request.id, "user_id": user_id},
        )
    return bool(closed)
