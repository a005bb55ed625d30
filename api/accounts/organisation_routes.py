"""REST API of organisations: the platform operator creates them; each caller lists those they belong to.

Here rather than in api/organisations/: who sees which organisation is a matter of accounts
(memberships), and the organisations package sits below accounts in the layers.
"""

from fastapi import APIRouter
from sqlalchemy import select

from api.auth import CurrentUser
from api.deps import SessionDep
from api.organisations import service as organisation_service
from api.organisations.models import Organisation
from api.organisations.schemas import OrganisationCreate, OrganisationRead

router = APIRouter(prefix="/api", tags=["organisations"])


@router.post("/organisations", response_model=OrganisationRead, status_code=201)
def create_organisation(body: OrganisationCreate, session: SessionDep, user: CurrentUser):
    user.require_superadmin()
    return organisation_service.create_organisation(session, **body.model_dump())


@router.get("/organisations", response_model=list[OrganisationRead])
def list_organisations(session: SessionDep, user: CurrentUser):
    """Every organisation for the platform operator; the caller's own for everyone else."""
    if user.is_superadmin:
        return organisation_service.list_organisations(session)
    query = select(Organisation).where(Organisation.id.in_(user.organisation_ids)).order_by(Organisation.id)
    return list(session.scalars(query))
