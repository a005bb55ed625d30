"""REST API of the outbox: the messages sent, or to send, to the caller's people."""

from fastapi import APIRouter
from sqlalchemy import ColumnElement, or_, select

from api.auth import CurrentUser
from api.beneficiaries.access import member_beneficiary
from api.beneficiaries.models import Beneficiary
from api.deps import SessionDep
from api.messaging.models import OutboxMessage
from api.messaging.schemas import OutboxMessageRead

router = APIRouter(prefix="/api", tags=["messages"])


@router.get("/outbox", response_model=list[OutboxMessageRead])
def list_outbox(session: SessionDep, user: CurrentUser, beneficiary_id: int | None = None):
    """Messages to the caller's people; to unknown numbers, for the platform operator only."""
    query = select(OutboxMessage).outerjoin(Beneficiary, OutboxMessage.beneficiary_id == Beneficiary.id)
    if beneficiary_id is not None:
        member_beneficiary(session, user, beneficiary_id)
        query = query.where(OutboxMessage.beneficiary_id == beneficiary_id)
    else:
        scope: ColumnElement[bool] = Beneficiary.organisation_id.in_(user.organisation_ids)
        if user.is_superadmin:
            scope = or_(scope, OutboxMessage.beneficiary_id.is_(None))
        query = query.where(scope)
    return list(session.scalars(query.order_by(OutboxMessage.id)))
