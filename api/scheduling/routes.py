"""REST API of scheduled messages: a person's pending messages, and a reminder sent now."""

from fastapi import APIRouter

from api.appointments.access import member_appointment
from api.auth import CurrentUser
from api.beneficiaries.access import member_beneficiary
from api.db import utcnow
from api.deps import SessionDep
from api.errors import Conflict
from api.scheduling import service as scheduling_service
from api.scheduling.schemas import ScheduledMessageRead

router = APIRouter(prefix="/api")


@router.post("/appointments/{appointment_id}/reminders", status_code=202, tags=["appointments"])
def send_reminder_now(appointment_id: int, session: SessionDep, user: CurrentUser) -> dict[str, str]:
    appointment = member_appointment(session, user, appointment_id)
    if appointment.status != "unknown":
        raise Conflict(f"appointment is {appointment.status}")
    scheduling_service.schedule_reminder_now(session, appointment=appointment, now=utcnow())
    return {"status": "scheduled"}


@router.get("/scheduled-messages", response_model=list[ScheduledMessageRead], tags=["messages"])
def list_scheduled_messages(session: SessionDep, user: CurrentUser, beneficiary_id: int):
    member_beneficiary(session, user, beneficiary_id)
    return scheduling_service.list_scheduled(session, beneficiary_id=beneficiary_id)
