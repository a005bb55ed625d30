"""REST API of orientation requests (issue 15): from a person's carnet, search the catalogue and
send a request; the receiving structure lists, reads and answers what it received.

A member of a structure that neither follows the person, nor sent, nor received the request gets
404, as for a missing id (api/orientations/access.py).
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from api.auth import CurrentUser
from api.db import utcnow
from api.deps import SessionDep
from api.followers import audit
from api.followers import service as followers_service
from api.followers.access import following_reader, reader_of
from api.offers.schemas import ServiceRead
from api.organisations.models import Organisation
from api.orientations import access, service
from api.orientations.models import OrientationRequest
from api.orientations.schemas import (
    CandidateRead,
    OrientationAnswer,
    OrientationCreate,
    OrientationRead,
    PersonRead,
)

router = APIRouter(prefix="/api", tags=["orientations"])


def read(session: Session, request: OrientationRequest) -> OrientationRead:
    person = service.person_of(session, request)
    sender = session.get(Organisation, request.from_organisation_id)
    assert sender is not None
    return OrientationRead(
        id=request.id,
        beneficiary_id=request.beneficiary_id,
        person=PersonRead(first_name=person.first_name, last_name=person.last_name, phone=person.phone),
        from_organisation_id=request.from_organisation_id,
        from_organisation_name=sender.name,
        sent_by_user_id=request.sent_by_user_id,
        service_id=request.service_id,
        service_name=request.service_name,
        structure_name=request.structure_name,
        contact=request.contact,
        to_organisation_id=request.to_organisation_id,
        to_email=request.to_email,
        theme=request.theme,
        reason=request.reason,
        state=request.state,  # type: ignore[arg-type]
        created_at=request.created_at,
        reminded_at=request.reminded_at,
        expires_at=service.expires_at(request),
        closed_at=request.closed_at,
        answer_reason=request.answer_reason,
        answered_by_user_id=request.answered_by_user_id,
        mail_state=service.mail_state(session, orientation_id=request.id),  # type: ignore[arg-type]
        outbox_message_id=request.outbox_message_id,
    )


@router.get("/beneficiaries/{beneficiary_id}/orientation-services", response_model=list[CandidateRead])
def search_services(
    beneficiary_id: int,
    session: SessionDep,
    user: CurrentUser,
    theme: Annotated[
        str, Query(min_length=1, description="a theme of the taxonomy or a group (mobilite...)")
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[CandidateRead]:
    """Services of the catalogue on this theme near the person's commune that can receive a request."""
    reader = following_reader(session, user, beneficiary_id)
    return [
        CandidateRead(
            service=ServiceRead.model_validate(candidate.service),
            receives_by="account" if candidate.recipient.organisation_id is not None else "email",
        )
        for candidate in service.search_services(
            session, beneficiary=reader.beneficiary, theme=theme, limit=limit
        )
    ]


@router.post("/beneficiaries/{beneficiary_id}/orientations", response_model=OrientationRead, status_code=201)
def send_request(
    beneficiary_id: int, body: OrientationCreate, session: SessionDep, user: CurrentUser
) -> OrientationRead:
    """Send an orientation request for the person to a service (from a structure that follows them now)."""
    reader = following_reader(session, user, beneficiary_id)
    # The caller's structure that follows the person now (the holder's, for its own members).
    sender = reader.beneficiary.organisation_id if reader.holder else None
    for organisation_id in reader.organisation_ids:
        if sender is None and followers_service.active_follower(
            session, beneficiary_id=beneficiary_id, organisation_id=organisation_id
        ):
            sender = organisation_id
    assert sender is not None  # following_reader: one of them follows now
    request = service.send_request(
        session,
        beneficiary=reader.beneficiary,
        from_organisation_id=sender,
        user_id=user.user_id,
        service_id=body.service_id,
        theme=body.theme,
        reason=body.reason,
        now=utcnow(),
    )
    audit.record(session, user, reader, "orientation.send", f"orientation {request.id}")
    return read(session, request)


@router.get("/beneficiaries/{beneficiary_id}/orientations", response_model=list[OrientationRead])
def person_requests(beneficiary_id: int, session: SessionDep, user: CurrentUser) -> list[OrientationRead]:
    """The person's orientation requests, newest first."""
    reader = reader_of(session, user, beneficiary_id)
    if reader.across:
        audit.record(session, user, reader, "orientations.read_shared")
    return [read(session, row) for row in service.for_person(session, beneficiary_id=beneficiary_id)]


@router.get("/orientations", response_model=list[OrientationRead])
def my_requests(
    session: SessionDep,
    user: CurrentUser,
    box: Literal["received", "sent"] = "received",
    state: Literal["open", "accepted", "refused", "expired"] | None = None,
) -> list[OrientationRead]:
    """The requests the caller's structures received (or sent), newest first."""
    rows = service.for_organisations(session, organisation_ids=user.organisation_ids, box=box, state=state)
    if box == "received":
        for row in rows:
            access.record_received(session, user, row, "orientation.list_received")
    return [read(session, row) for row in rows]


@router.get("/orientations/{orientation_id}", response_model=OrientationRead)
def get_request(orientation_id: int, session: SessionDep, user: CurrentUser) -> OrientationRead:
    """One request, for the structures that sent or received it and those that follow the person."""
    view = access.view_of(session, user, orientation_id)
    access.audit_read(session, user, view, "orientation.read")
    return read(session, view.request)


@router.post("/orientations/{orientation_id}/accept", response_model=OrientationRead)
def accept(
    orientation_id: int, body: OrientationAnswer, session: SessionDep, user: CurrentUser
) -> OrientationRead:
    """The receiving structure accepts; the person learns by SMS how to reach the service (409 if closed)."""
    view = access.recipient_view(session, user, orientation_id)
    service.answer(
        session, request=view.request, accept=True, reason=body.reason, user_id=user.user_id, now=utcnow()
    )
    access.audit_read(session, user, view, "orientation.accept")
    return read(session, view.request)


@router.post("/orientations/{orientation_id}/refuse", response_model=OrientationRead)
def refuse(
    orientation_id: int, body: OrientationAnswer, session: SessionDep, user: CurrentUser
) -> OrientationRead:
    """The receiving structure refuses, with a reason (422 without one; 409 unless open)."""
    view = access.recipient_view(session, user, orientation_id)
    service.answer(
        session, request=view.request, accept=False, reason=body.reason, user_id=user.user_id, now=utcnow()
    )
    access.audit_read(session, user, view, "orientation.refuse")
    return read(session, view.request)
