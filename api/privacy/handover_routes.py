"""REST API of the handover export: a person's carnet for the structure that takes them over.

Members of the organisation that holds the record only (it holds the person's words whatever the
consent to share: the move is the holder's); audited `beneficiary.handover`. Anyone else: 404.
"""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.auth import CurrentUser
from api.beneficiaries.access import member_beneficiary
from api.db import utcnow
from api.deps import SessionDep
from api.privacy.downloads import audited_json_file
from api.privacy.handover import handover

router = APIRouter(prefix="/api", tags=["handover"])


@router.get("/beneficiaries/{beneficiary_id}/handover", response_class=JSONResponse)
def handover_beneficiary(beneficiary_id: int, session: SessionDep, user: CurrentUser) -> JSONResponse:
    """The person's carnet in the handover format (docs/handover-format.md), as a JSON file; audited."""
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    now = utcnow()
    return audited_json_file(
        session,
        user=user,
        beneficiary=beneficiary,
        data=handover(session, beneficiary, now=now),
        filename=f"carnet-{beneficiary.id}.json",
        action="beneficiary.handover",
        now=now,
    )
