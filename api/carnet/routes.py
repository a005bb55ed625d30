"""REST API of a person's carnet: any member of their organisation reads it; every read is audited."""

from fastapi import APIRouter

from api.accounts import service as accounts_service
from api.auth import CurrentUser
from api.beneficiaries.access import member_beneficiary
from api.carnet import service as carnet_service
from api.carnet.schemas import CarnetEntryRead
from api.db import utcnow
from api.deps import SessionDep

router = APIRouter(prefix="/api", tags=["carnet"])


@router.get("/beneficiaries/{beneficiary_id}/carnet", response_model=list[CarnetEntryRead])
def get_carnet(beneficiary_id: int, session: SessionDep, user: CurrentUser):
    """The person's carnet; every read is written to the audit log."""
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    accounts_service.record_audit(
        session,
        user_id=user.user_id,
        action="carnet.read",
        organisation_id=beneficiary.organisation_id,
        beneficiary_id=beneficiary.id,
        ip=user.ip,
        now=utcnow(),
    )
    return carnet_service.list_entries(session, beneficiary_id=beneficiary_id)
