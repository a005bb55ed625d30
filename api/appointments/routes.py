"""REST API of appointments (a reminder sent now included), and of the people listed with their
follow-up status (read from their invitations and appointments, hence here: the URL is
/api/beneficiaries all the same)."""

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda.models import Slot
from api.appointments import service as appointment_service
from api.appointments.access import member_appointment
from api.appointments.followup import followup_statuses
from api.appointments.models import Appointment
from api.appointments.schemas import AppointmentRead, AppointmentStatusUpdate
from api.auth import CurrentUser
from api.beneficiaries.access import member_beneficiary
from api.beneficiaries.models import Beneficiary
from api.beneficiaries.schemas import BeneficiaryRead
from api.db import utcnow
from api.deps import SessionDep
from api.errors import Conflict
from api.followers import audit
from api.followers.access import reader_of
from api.invitations import service as invitation_service
from api.scheduling import service as scheduling_service

router = APIRouter(prefix="/api")


def _with_statuses(session: Session, beneficiaries: list[Beneficiary]) -> list[BeneficiaryRead]:
    statuses = followup_statuses(session, beneficiary_ids=[b.id for b in beneficiaries], now=utcnow())
    reads = [BeneficiaryRead.model_validate(beneficiary) for beneficiary in beneficiaries]
    for read in reads:
        read.followup_status = statuses[read.id]
    return reads


@router.get("/beneficiaries", response_model=list[BeneficiaryRead], tags=["beneficiaries"])
def list_beneficiaries(session: SessionDep, user: CurrentUser, organisation_id: int | None = None):
    organisations = user.listed_organisations(organisation_id)
    query = select(Beneficiary).where(Beneficiary.organisation_id.in_(organisations)).order_by(Beneficiary.id)
    return _with_statuses(session, list(session.scalars(query)))


@router.get("/beneficiaries/{beneficiary_id}", response_model=BeneficiaryRead, tags=["beneficiaries"])
def get_beneficiary(beneficiary_id: int, session: SessionDep, user: CurrentUser):
    """The person, for their organisation and for the structures that follow or followed them."""
    reader = reader_of(session, user, beneficiary_id)
    if reader.across:
        audit.record(session, user, reader, "beneficiary.read_shared")
    return _with_statuses(session, [reader.beneficiary])[0]


@router.get("/appointments", response_model=list[AppointmentRead], tags=["appointments"])
def list_appointments(session: SessionDep, user: CurrentUser, beneficiary_id: int | None = None):
    query = (
        select(Appointment)
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.organisation_id.in_(user.organisation_ids))
        .order_by(Slot.start)  # soonest first
    )
    if beneficiary_id is not None:
        member_beneficiary(session, user, beneficiary_id)
        query = query.where(Appointment.beneficiary_id == beneficiary_id)
    return list(session.scalars(query))


@router.patch("/appointments/{appointment_id}", response_model=AppointmentRead, tags=["appointments"])
def update_appointment_status(
    appointment_id: int, body: AppointmentStatusUpdate, session: SessionDep, user: CurrentUser
):
    member_appointment(session, user, appointment_id)
    now = utcnow()
    appointment = appointment_service.set_status(
        session, appointment_id=appointment_id, status=body.status, now=now
    )
    if body.status == "revoked":
        invitation_service.reoffer_after_revocation(session, appointment=appointment, now=now)
    return appointment


@router.post("/appointments/{appointment_id}/reminders", status_code=202, tags=["appointments"])
def send_reminder_now(appointment_id: int, session: SessionDep, user: CurrentUser) -> dict[str, str]:
    appointment = member_appointment(session, user, appointment_id)
    if appointment.status != "unknown":
        raise Conflict(f"appointment is {appointment.status}")
    scheduling_service.schedule_reminder_now(session, appointment=appointment, now=utcnow())
    return {"status": "scheduled"}
