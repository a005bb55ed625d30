from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda import service as agenda_service
from api.agenda.models import Slot
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service


def book(
    session: Session,
    *,
    beneficiary: Beneficiary,
    slot_id: int,
    now: datetime,
    invitation_id: int | None = None,
) -> Appointment | None:
    """Book a slot for a person; None when the last place was just taken."""
    if not agenda_service.take_place(session, slot_id=slot_id, now=now):
        return None
    appointment = Appointment(
        organisation_id=beneficiary.organisation_id,
        beneficiary_id=beneficiary.id,
        slot_id=slot_id,
        invitation_id=invitation_id,
        status="unknown",
        created_at=now,
    )
    session.add(appointment)
    session.flush()
    carnet_service.add_entry(
        session,
        beneficiary_id=beneficiary.id,
        kind="appointment_booked",
        author="beneficiary",
        data={"appointment_id": appointment.id, "slot_id": slot_id},
    )
    return appointment


def upcoming_appointment(session: Session, *, beneficiary_id: int, now: datetime) -> Appointment | None:
    """The person's next appointment still to come, if any."""
    query = (
        select(Appointment)
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.beneficiary_id == beneficiary_id)
        .where(Appointment.status == "unknown")
        .where(Slot.end > now)
        .order_by(Slot.start)
        .limit(1)
    )
    return session.scalar(query)


def list_appointments(session: Session, *, beneficiary_id: int | None = None) -> list[Appointment]:
    """Appointments, soonest first."""
    query = select(Appointment).join(Slot, Appointment.slot_id == Slot.id).order_by(Slot.start)
    if beneficiary_id is not None:
        query = query.where(Appointment.beneficiary_id == beneficiary_id)
    return list(session.scalars(query))
