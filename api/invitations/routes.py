"""REST API of invitations: any member of the person's organisation invites them and lists them."""

from fastapi import APIRouter
from sqlalchemy import select

from api.auth import CurrentUser
from api.beneficiaries.access import member_beneficiary
from api.db import utcnow
from api.deps import SessionDep
from api.invitations import service as invitation_service
from api.invitations.models import Invitation
from api.invitations.schemas import InvitationCreate, InvitationRead

router = APIRouter(prefix="/api", tags=["invitations"])


@router.post("/invitations", response_model=InvitationRead, status_code=201)
def create_invitation(body: InvitationCreate, session: SessionDep, user: CurrentUser):
    member_beneficiary(session, user, body.beneficiary_id)
    # The motif and place must be of the person's organisation (404 otherwise): checked by the service.
    return invitation_service.create_invitation(session, **body.model_dump(), now=utcnow())


@router.get("/invitations", response_model=list[InvitationRead])
def list_invitations(session: SessionDep, user: CurrentUser, beneficiary_id: int | None = None):
    query = select(Invitation).where(Invitation.organisation_id.in_(user.organisation_ids))
    if beneficiary_id is not None:
        member_beneficiary(session, user, beneficiary_id)
        query = query.where(Invitation.beneficiary_id == beneficiary_id)
    return list(session.scalars(query.order_by(Invitation.id.desc())))  # newest first
