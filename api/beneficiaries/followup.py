"""A person's follow-up status, with RDV-Insertion's codes, derived from invitations and appointments."""

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
    return followup_statuses(session, beneficiary_ids=[beneficiary_id], now=now)[beneficiary_id]


def followup_statuses(session: Session, *, beneficiary_ids: Sequence[int], now: datetime) -> dict[int, str]:
    """The follow-up status of many people in two queries (a list of thousands stays fast)."""
    invitations: dict[int, Invitation] = {}
    appointments: dict[int, Appointment] = {}
    for chunk in _chunks(list(beneficiary_ids)):
        invitations.update(_latest(session, Invitation, Invitation.kind == "invitation", chunk))
        appointments.update(_latest(session, Appointment, None, chunk))
    return {
        beneficiary_id: _status(invitations.get(beneficiary_id), appointments.get(beneficiary_id), now)
        for beneficiary_id in beneficiary_ids
    }


def _chunks(ids: list[int], size: int = 5000) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _latest(session: Session, model, condition, beneficiary_ids: list[int]) -> dict[int, object]:
    """Each person's newest row of `model` (by created_at, then id)."""
    rank = (
        func.row_number()
        .over(partition_by=model.beneficiary_id, order_by=(model.created_at.desc(), model.id.desc()))
        .label("rank")
    )
    where = [model.beneficiary_id.in_(beneficiary_ids)]
    if condition is not None:
        where.append(condition)
    ranked = select(model.id, rank).where(*where).subquery()
    newest = select(model).join(ranked, model.id == ranked.c.id).where(ranked.c.rank == 1)
    return {row.beneficiary_id: row for row in session.scalars(newest)}


def _status(invitation: Invitation | None, appointment: Appointment | None, now: datetime) -> str:
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
