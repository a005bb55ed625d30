"""A person's follow-up status, with RDV-Insertion's codes, derived from invitations and appointments."""

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Row, func, select
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
    return followup_statuses(session, beneficiary_ids=[beneficiary_id], now=now)[beneficiary_id]


def followup_statuses(session: Session, *, beneficiary_ids: Sequence[int], now: datetime) -> dict[int, str]:
    """The follow-up status of many people in two queries (a list of thousands stays fast)."""
    invitations: dict[int, Row] = {}
    appointments: dict[int, Row] = {}
    for chunk in _chunks(list(beneficiary_ids)):
        invitations.update(_latest_invitations(session, chunk))
        appointments.update(_latest_appointments(session, chunk))
    return {
        beneficiary_id: _status(invitations.get(beneficiary_id), appointments.get(beneficiary_id), now)
        for beneficiary_id in beneficiary_ids
    }


def _chunks(ids: list[int], size: int = 5000) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _newest_first(model) -> ColumnElement[int]:
    return (
        func.row_number()
        .over(partition_by=model.beneficiary_id, order_by=(model.created_at.desc(), model.id.desc()))
        .label("rank")
    )


def _latest_invitations(session: Session, beneficiary_ids: list[int]) -> dict[int, Row]:
    ranked = (
        select(
            Invitation.beneficiary_id,
            Invitation.status,
            Invitation.created_at,
            Invitation.expires_at,
            _newest_first(Invitation),
        )
        .where(Invitation.beneficiary_id.in_(beneficiary_ids), Invitation.kind == "invitation")
        .subquery()
    )
    rows = session.execute(select(ranked).where(ranked.c.rank == 1))
    return {row.beneficiary_id: row for row in rows}


def _latest_appointments(session: Session, beneficiary_ids: list[int]) -> dict[int, Row]:
    ranked = (
        select(
            Appointment.beneficiary_id,
            Appointment.status,
            Appointment.created_at,
            Slot.start,
            _newest_first(Appointment),
        )
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.beneficiary_id.in_(beneficiary_ids))
        .subquery()
    )
    rows = session.execute(select(ranked).where(ranked.c.rank == 1))
    return {row.beneficiary_id: row for row in rows}


def _status(invitation: Row | None, appointment: Row | None, now: datetime) -> str:
    if invitation is not None and (appointment is None or invitation.created_at > appointment.created_at):
        # the invitation is newer
        if invitation.status == "pending" and invitation.expires_at > now:
            return "invitation_pending"
        if invitation.status in ("pending", "expired"):
            return "invitation_expired"
    if appointment is None:
        return "not_invited"
    if appointment.status == "unknown":
        return "rdv_pending" if appointment.start > now else "rdv_needs_status_update"
    return APPOINTMENT_TO_STATUS[appointment.status]
