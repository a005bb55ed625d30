"""REST API of the professionals' queue: list it, take an entry ("Je m'en occupe"), close it."""

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import CurrentUser, Principal
from api.db import utcnow
from api.deps import SessionDep
from api.errors import Conflict, NotFound
from api.handoffs import service as handoff_service
from api.handoffs.models import HandoffRequest
from api.handoffs.schemas import HandoffRead

router = APIRouter(prefix="/api", tags=["queue"])


@router.get("/handoffs", response_model=list[HandoffRead])
def list_handoffs(
    session: SessionDep, user: CurrentUser, organisation_id: int | None = None, state: str | None = "open"
):
    """The queue of the caller's organisations; messages from unknown numbers go to the platform operator."""
    if organisation_id is None:
        scope = handoff_service.visible_to(user)
    else:
        user.require_member(organisation_id)
        scope = HandoffRequest.organisation_id == organisation_id
    query = select(HandoffRequest).where(scope).order_by(HandoffRequest.created_at, HandoffRequest.id)
    if state is not None:
        query = query.where(HandoffRequest.state == state)
    return list(session.scalars(query))


def _handoff(session: Session, user: Principal, handoff_id: int) -> HandoffRequest:
    entry = handoff_service.find_visible(session, user=user, request_id=handoff_id)
    if entry is None:
        raise NotFound("handoff")
    return entry


@router.post("/handoffs/{handoff_id}/take", response_model=HandoffRead)
def take_handoff(handoff_id: int, session: SessionDep, user: CurrentUser):
    """ "Je m'en occupe": first come, first served; 409 if someone took or closed it first."""
    entry = _handoff(session, user, handoff_id)
    if not handoff_service.take_request(session, request=entry, user_id=user.user_id, now=utcnow()):
        raise Conflict(f"this entry is already {entry.state}")
    return entry


@router.post("/handoffs/{handoff_id}/close", response_model=HandoffRead)
def close_handoff(handoff_id: int, session: SessionDep, user: CurrentUser):
    """The person needs nothing more from a human for now; 409 if it was already closed."""
    entry = _handoff(session, user, handoff_id)
    if not handoff_service.close_request(session, request=entry, user_id=user.user_id, now=utcnow()):
        raise Conflict("this entry is already closed")
    return entry
