"""Who sees an orientation request: the structure that received it, the one that sent it, and the
structures that follow or followed the person (within api/followers/access.py). Anyone else gets
404, as for a missing id. Reads of a person's request from outside the holder are audited in the
holder's log."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.auth import Principal
from api.db import utcnow
from api.errors import AppError, NotFound
from api.followers import audit
from api.followers.access import Reader, reader_of
from api.orientations import service
from api.orientations.models import OrientationRequest


@dataclass(frozen=True)
class View:
    request: OrientationRequest
    recipient: bool  # a member of the structure that received it (it answers)
    reader: Reader | None  # the caller's view of the person, if one of their structures follows them


def view_of(session: Session, user: Principal, orientation_id: int) -> View:
    """The caller's view of a request, or 404."""
    request = session.get(OrientationRequest, orientation_id)
    if request is None:
        raise NotFound("orientation")
    recipient = user.is_member(request.to_organisation_id)
    try:
        reader: Reader | None = reader_of(session, user, request.beneficiary_id)
    except NotFound:
        reader = None
    if not (recipient or reader is not None or user.is_member(request.from_organisation_id)):
        raise NotFound("orientation")
    return View(request, recipient, reader)


def recipient_view(session: Session, user: Principal, orientation_id: int) -> View:
    """A view of a member of the receiving structure (to answer); 403 for other viewers, 404 for the rest."""
    view = view_of(session, user, orientation_id)
    if not view.recipient:
        raise AppError(403, "only the structure that received the request answers it")
    return view


def audit_read(session: Session, user: Principal, view: View, action: str) -> None:
    """A read from outside the holder, in the holder's audit log."""
    if view.reader is not None:
        if view.reader.across:
            audit.record(session, user, view.reader, action, f"orientation {view.request.id}")
        return
    record_received(session, user, view.request, action)


def record_received(session: Session, user: Principal, request: OrientationRequest, action: str) -> None:
    """The receiving structure read the request: a line in the holder's log naming it."""
    person = service.person_of(session, request)
    if user.is_member(person.organisation_id):
        return
    accounts_service.record_audit(
        session,
        user_id=user.user_id,
        action=action,
        organisation_id=person.organisation_id,
        beneficiary_id=person.id,
        ip=user.ip,
        detail=f"from organisation {request.to_organisation_id}: orientation {request.id}",
        now=utcnow(),
    )
