"""REST API of a person's scheduled messages (a reminder asked for now: api/appointments/routes.py)."""

from fastapi import APIRouter

from api.auth import CurrentUser
from api.beneficiaries.access import member_beneficiary
from api.deps import SessionDep
from api.scheduling import service as scheduling_service
from api.scheduling.schemas import ScheduledMessageRead

router = APIRouter(prefix="/api")


@router.get("/scheduled-messages", response_model=list[ScheduledMessageRead], tags=["messages"])
def list_scheduled_messages(session: SessionDep, user: CurrentUser, beneficiary_id: int):
    member_beneficiary(session, user, beneficiary_id)
    return scheduling_service.list_scheduled(session, beneficiary_id=beneficiary_id)
