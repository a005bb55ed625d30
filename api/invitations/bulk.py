"""Inviting a selection of people at once: each gets the usual invitation, or a reason why not.

A person is skipped rather than sent a second message when they answered STOP, when their
number cannot receive SMS, when they already hold a pending invitation or an upcoming
appointment, or when they are not of the motif's organisation. Each invitation is written in
its own savepoint: one that fails (no free slot left) leaves the others in place.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from api.agenda.models import Motif, Place, Slot
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.errors import Conflict, NotFound
from api.invitations import service as invitation_service

# Why a person was not invited (codes of the API; the console says them in French).
SKIP_REASONS = {
    "opted_out": "a répondu STOP",
    "phone_problem": "numéro qui ne reçoit pas de SMS",
    "pending_invitation": "invitation déjà en attente",
    "upcoming_appointment": "rendez-vous déjà prévu",
    "no_free_slot": "plus de créneau libre",
    "other_organisation": "suivi par une autre organisation que celle du motif",
}


@dataclass(frozen=True)
class Outcome:
    beneficiary_id: int
    invitation_id: int | None = None
    reason: str | None = None  # a key of SKIP_REASONS when not invited

    @property
    def invited(self) -> bool:
        return self.invitation_id is not None


def skip_reason(session: Session, *, beneficiary: Beneficiary, motif: Motif, now: datetime) -> str | None:
    """Why this person should not get an invitation to this motif now, or None."""
    if beneficiary.organisation_id != motif.organisation_id:
        return "other_organisation"
    return person_reason(session, beneficiary=beneficiary, now=now)


def person_reason(session: Session, *, beneficiary: Beneficiary, now: datetime) -> str | None:
    """Why this person should not get any invitation now (whatever the motif), or None."""
    if beneficiary.opted_out:
        return "opted_out"
    if beneficiary.phone_problem and beneficiary.preferred_channel == "sms":
        return "phone_problem"
    if invitation_service.current_invitation(session, beneficiary_id=beneficiary.id, now=now) is not None:
        return "pending_invitation"
    upcoming = exists().where(
        Appointment.beneficiary_id == beneficiary.id,
        Appointment.status == "unknown",
        Appointment.slot_id == Slot.id,
        Slot.start > now,
    )
    if session.scalar(select(upcoming)):
        return "upcoming_appointment"
    return None


def invite_many(
    session: Session,
    *,
    beneficiaries: Sequence[Beneficiary],
    motif: Motif,
    place: Place | None,
    now: datetime,
) -> list[Outcome]:
    """Invite each person in turn (same slots offered to all: the first to answer books)."""
    outcomes = []
    for beneficiary in beneficiaries:
        reason = skip_reason(session, beneficiary=beneficiary, motif=motif, now=now)
        if reason is not None:
            outcomes.append(Outcome(beneficiary.id, reason=reason))
            continue
        try:
            with session.begin_nested():
                invitation = invitation_service.create_invitation(
                    session,
                    beneficiary_id=beneficiary.id,
                    motif_id=motif.id,
                    place_id=place.id if place is not None else None,
                    now=now,
                )
        except Conflict:
            outcomes.append(Outcome(beneficiary.id, reason="no_free_slot"))
            continue
        outcomes.append(Outcome(beneficiary.id, invitation_id=invitation.id))
    return outcomes


def select_people(
    session: Session, *, ids: Sequence[int], organisation_ids: Sequence[int]
) -> list[Beneficiary]:
    """The people of these ids in the order given, repeats dropped; NotFound if one is missing or
    of another organisation (the same answer for both: nothing is revealed)."""
    wanted = list(dict.fromkeys(ids))
    query = select(Beneficiary).where(Beneficiary.id.in_(wanted))
    found = {b.id: b for b in session.scalars(query)}
    if any(i not in found or found[i].organisation_id not in organisation_ids for i in wanted):
        raise NotFound("beneficiary")
    return [found[i] for i in wanted]
