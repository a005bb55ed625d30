"""The appointments of a day or a week, with the person, the motif and the place of each.

Days are the organisation's local days: "Monday" runs from local midnight to local midnight,
whatever the daylight saving time (a day of 23 or 25 hours included).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda.models import Motif, Place, Slot
from api.agenda.openings import local_instant
from api.agenda.schemas import AgendaAppointmentRead
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary


@dataclass
class AgendaRow:
    appointment: Appointment
    beneficiary: Beneficiary
    slot: Slot
    place: Place
    motif: Motif

    def read(self) -> AgendaAppointmentRead:
        return AgendaAppointmentRead(
            appointment_id=self.appointment.id,
            organisation_id=self.appointment.organisation_id,
            beneficiary_id=self.beneficiary.id,
            first_name=self.beneficiary.first_name,
            last_name=self.beneficiary.last_name,
            status=self.appointment.status,
            slot_id=self.slot.id,
            start=self.slot.start,
            end=self.slot.end,
            place_id=self.place.id,
            place_name=self.place.name,
            motif_id=self.motif.id,
            motif_name=self.motif.name,
        )


def local_days(first: date, days: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first day's local midnight, midnight after the last day) as UTC instants."""
    return local_instant(first, time(0), tz), local_instant(first + timedelta(days=days), time(0), tz)


def _query():
    return (
        select(Appointment, Beneficiary, Slot, Place, Motif)
        .join(Slot, Appointment.slot_id == Slot.id)
        .join(Beneficiary, Appointment.beneficiary_id == Beneficiary.id)
        .join(Place, Slot.place_id == Place.id)
        .join(Motif, Slot.motif_id == Motif.id)
        .order_by(Slot.start, Place.name, Appointment.id)
    )


def appointments_between(
    session: Session, *, organisation_id: int, start: datetime, end: datetime
) -> list[AgendaRow]:
    """The organisation's appointments starting in [start, end), every status, soonest first."""
    query = _query().where(
        Appointment.organisation_id == organisation_id, Slot.start >= start, Slot.start < end
    )
    return [AgendaRow(*row) for row in session.execute(query).tuples()]


def describe(session: Session, appointments: Sequence[Appointment]) -> list[AgendaRow]:
    """The same rows for given appointments (those to move after an absence, say)."""
    if not appointments:
        return []
    query = _query().where(Appointment.id.in_([appointment.id for appointment in appointments]))
    return [AgendaRow(*row) for row in session.execute(query).tuples()]
