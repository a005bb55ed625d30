"""An appointment as the REST API's caller may see it: another organisation's is 404, as a missing one."""

from sqlalchemy.orm import Session

from api.appointments.models import Appointment
from api.auth import Principal
from api.errors import NotFound


def member_appointment(session: Session, user: Principal, appointment_id: int) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or not user.is_member(appointment.organisation_id):
        raise NotFound("appointment")
    return appointment
