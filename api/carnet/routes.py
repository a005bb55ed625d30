"""REST API of a person's carnet: the members of their organisation read all of it; the structures
that follow them read what the sharing rules let them (api/carnet/sharing.py). Every read is audited."""

from fastapi import APIRouter

from api.accounts import service as accounts_service
from api.auth import CurrentUser
from api.carnet import service as carnet_service
from api.carnet import sharing
from api.carnet.schemas import CarnetEntryRead
from api.db import utcnow
from api.deps import SessionDep
from api.followers import audit
from api.followers.access import reader_of

router = APIRouter(prefix="/api", tags=["carnet"])


@router.get("/beneficiaries/{beneficiary_id}/carnet", response_model=list[CarnetEntryRead])
def get_carnet(beneficiary_id: int, session: SessionDep, user: CurrentUser):
    """The person's carnet (what the caller's structure may see); every read is written to the audit log."""
    reader = reader_of(session, user, beneficiary_id)
    entries = sharing.visible_to(reader, carnet_service.list_entries(session, beneficiary_id=beneficiary_id))
    if reader.across:
        audit.record(session, user, reader, "carnet.read_shared", sharing.read_detail(reader, len(entries)))
    else:
        accounts_service.record_audit(
            session,
            user_id=user.user_id,
            action="carnet.read",
            organisation_id=reader.beneficiary.organisation_id,
            beneficiary_id=reader.beneficiary.id,
            ip=user.ip,
            now=utcnow(),
        )
    return entries
