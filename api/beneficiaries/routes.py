"""REST API of beneficiaries: creating a person (listing them, with their follow-up status, is in
api/appointments/routes.py, since the status is read from invitations and appointments)."""

from fastapi import APIRouter

from api.auth import CurrentUser
from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.schemas import BeneficiaryCreate, BeneficiaryRead
from api.deps import SessionDep

router = APIRouter(prefix="/api", tags=["beneficiaries"])


@router.post("/beneficiaries", response_model=BeneficiaryRead, status_code=201)
def create_beneficiary(body: BeneficiaryCreate, session: SessionDep, user: CurrentUser):
    user.require_member(body.organisation_id)
    return beneficiary_service.create_beneficiary(session, **body.model_dump())
