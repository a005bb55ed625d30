"""A person's follow-up status, with RDV-Insertion's codes, derived from invitations and appointments."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda.models import Slot
from api.appointments.models import Appointment
from api.invitations.models import Invitation

APPOINTMENT_TO_STATUS = {
    "seen": "rdv_seen",
    "noshow": "rdv_noshow",
    "excused": "rdv_excused",
    "revoked": "rdv_revoked",
}


def followup_status(session: Session, *, beneficiary_id: int, now: datetime) -> str:
    """not_invited, invitation_pending, invitation_expired, rdv_pending, rdv_needs_status_update,
    rdv_seen, rdv_noshow, rdv_excused or rdv_revoked."""
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.beneficiary_id == beneficiary_id, Invitation.kind == "invitation")
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(1)
    )
    appointment = session.scalar(
        select(Appointment)
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.beneficiary_id == beneficiary_id)
        .order_by(Appointment.created_at.desc(), Appointment.id.desc())
        .limit(1)
    )
    invitation_is_newer = invitation is not None and (
        appointment is None or invitation.created_at > appointment.created_at
    )
    if invitation_is_newer and invitation.status == "pending" and invitation.expires_at > now:
        return "invitation_pending"
    if invitation_is_newer and invitation.status in ("pending", "expired"):
        return "invitation_expired"
    if appointment is None:
        return "not_invited"
    if appointment.status == "unknown":
        return "rdv_pending" if appointment.slot.start > now else "rdv_needs_status_update"
    return APPOINTMENT_TO_STATUS[appointment.status]
