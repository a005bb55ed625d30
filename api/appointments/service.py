from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.agenda import service as agenda_service
from api.agenda.models import Slot
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.errors import Conflict, Invalid, NotFound
from api.handoffs import service as handoff_service
from api.organisations.models import Organisation
from api.scheduling import service as scheduling_service

ATTENDANCE_STATUSES = ("seen", "noshow", "excused", "revoked")


def _organisation(session: Session, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    assert organisation is not None
    return organisation


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
    scheduling_service.schedule_for_appointment(
        session,
        appointment=appointment,
        organisation=_organisation(session, beneficiary.organisation_id),
        now=now,
    )
    return appointment


def move(session: Session, *, appointment: Appointment, new_slot_id: int, now: datetime) -> bool:
    """Move to another slot: the old place is freed only once the new one is held."""
    if not agenda_service.take_place(session, slot_id=new_slot_id, now=now):
        return False
    old_slot_id = appointment.slot_id
    _release_place(session, old_slot_id)
    scheduling_service.drop_for_appointment(
        session, appointment_id=appointment.id, reason="appointment moved"
    )
    appointment.slot_id = new_slot_id
    session.flush()
    session.refresh(appointment)
    carnet_service.add_entry(
        session,
        beneficiary_id=appointment.beneficiary_id,
        kind="appointment_moved",
        author="beneficiary",
        data={"appointment_id": appointment.id, "from_slot_id": old_slot_id, "to_slot_id": new_slot_id},
    )
    scheduling_service.schedule_for_appointment(
        session,
        appointment=appointment,
        organisation=_organisation(session, appointment.organisation_id),
        now=now,
    )
    return True


def cancel_by_person(session: Session, *, appointment: Appointment, now: datetime) -> bool:
    """The person cancels ("excused"). Returns True when it is a late cancellation."""
    organisation = _organisation(session, appointment.organisation_id)
    late = appointment.slot.start - now < timedelta(hours=organisation.late_cancellation_hours)
    _close(session, appointment=appointment, status="excused", now=now, author="beneficiary")
    if late:
        beneficiary = session.get(Beneficiary, appointment.beneficiary_id)
        handoff_service.open_request(
            session,
            reason="late_cancellation",
            text=f"Annulation tardive du RDV {appointment.id}",
            beneficiary=beneficiary,
        )
    return late


def set_status(session: Session, *, appointment_id: int, status: str, now: datetime) -> Appointment:
    """A professional records attendance (seen, noshow) or a cancellation (excused, revoked)."""
    if status not in ATTENDANCE_STATUSES:
        raise Invalid(f"status must be one of {', '.join(ATTENDANCE_STATUSES)}")
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("appointment")
    if appointment.status == status:
        return appointment
    if appointment.status in ("excused", "revoked"):
        raise Conflict(f"appointment already {appointment.status}")
    if status in ("seen", "noshow") and appointment.slot.start > now:
        raise Conflict("attendance can be recorded only once the appointment has started")
    _close(session, appointment=appointment, status=status, now=now, author="professional")
    return appointment


def _close(session: Session, *, appointment: Appointment, status: str, now: datetime, author: str) -> None:
    was_holding_place = appointment.status == "unknown"
    appointment.status = status
    appointment.status_changed_at = now
    if status in ("excused", "revoked") and was_holding_place:
        _release_place(session, appointment.slot_id)
    scheduling_service.drop_for_appointment(
        session, appointment_id=appointment.id, reason=f"appointment {status}"
    )
    carnet_service.add_entry(
        session,
        beneficiary_id=appointment.beneficiary_id,
        kind=f"appointment_{status}",
        author=author,
        data={"appointment_id": appointment.id, "slot_id": appointment.slot_id},
    )
    session.flush()


def _release_place(session: Session, slot_id: int) -> None:
    session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked_count > 0)
        .values(booked_count=Slot.booked_count - 1)
        .execution_options(synchronize_session="fetch")
    )


def confirm(session: Session, *, appointment: Appointment, now: datetime) -> None:
    """The person confirmed they will come."""
    if appointment.confirmed_at is None:
        appointment.confirmed_at = now
        carnet_service.add_entry(
            session,
            beneficiary_id=appointment.beneficiary_id,
            kind="appointment_confirmed",
            author="beneficiary",
            data={"appointment_id": appointment.id},
        )
    session.flush()


def get_appointment(session: Session, *, appointment_id: int) -> Appointment:
    """One appointment, or 404."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("appointment")
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
