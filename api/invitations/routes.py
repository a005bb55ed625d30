"""REST API of invitations: any member of the person's organisation invites them and lists them.

Bulk invitations too are for any member; a single id in them that is not the caller's refuses
the whole request with 404 (nothing is sent, and the answer cannot tell a foreign person from
a missing one).
"""

from fastapi import APIRouter
from sqlalchemy import select

from api.agenda.models import Motif, Place
from api.auth import CurrentUser
from api.beneficiaries.access import member_beneficiary
from api.beneficiaries.schemas import BulkInvitationCreate, BulkInvitationOutcome, BulkInvitationRead
from api.db import utcnow
from api.deps import SessionDep
from api.errors import NotFound
from api.invitations import bulk
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


@router.post("/invitations/bulk", response_model=BulkInvitationRead)
def invite_selection(body: BulkInvitationCreate, session: SessionDep, user: CurrentUser):
    """Invite several people to one motif; each result says invited, or skipped and why."""
    motif = session.get(Motif, body.motif_id)
    if motif is None or not user.is_member(motif.organisation_id):
        raise NotFound("motif")
    place = None
    if body.place_id is not None:
        place = session.get(Place, body.place_id)
        if place is None or place.organisation_id != motif.organisation_id:
            raise NotFound("place")
    people = bulk.select_people(session, ids=body.beneficiary_ids, organisation_ids=user.organisation_ids)
    outcomes = bulk.invite_many(session, beneficiaries=people, motif=motif, place=place, now=utcnow())
    results = [
        BulkInvitationOutcome(
            beneficiary_id=outcome.beneficiary_id,
            result="invited" if outcome.invited else "skipped",
            invitation_id=outcome.invitation_id,
            reason=outcome.reason,
        )
        for outcome in outcomes
    ]
    invited = sum(1 for outcome in outcomes if outcome.invited)
    return BulkInvitationRead(invited=invited, skipped=len(outcomes) - invited, results=results)
