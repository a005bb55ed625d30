"""Changes to the agenda that reach appointments and invitations: a plage changed or deleted, an
absence recorded, the daily generation (which withdraws slots left outside their plage).

Withdrawing slots: a free slot is deleted. A slot that a person still holds is never deleted: it
is closed to new bookings (`closed_at`, and capacity = places taken) and its appointments are
handed back as "rendez-vous à déplacer". A slot that something else still points at (a
cancelled appointment, a numbered list a person may answer) is closed too. A closed slot is
never offered again, even when its appointment is cancelled; the same hours opened again take
it back. Above the agenda (api/agenda/openings.py, absences.py), which knows nothing of who
holds a slot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from api.agenda import absences, openings
from api.agenda.models import Absence, OpeningPeriod, Slot
from api.appointments.models import Appointment
from api.invitations.models import Invitation


@dataclass
class Withdrawal:
    """What happened to slots that are no longer open: deleted, or closed with people in them."""

    slots_removed: int = 0
    slots_closed: int = 0
    to_move: list[Appointment] = field(default_factory=list)

    def add(self, other: Withdrawal) -> None:
        self.slots_removed += other.slots_removed
        self.slots_closed += other.slots_closed
        self.to_move += other.to_move


@dataclass
class Change(openings.Change):
    """A plage changed: slots made and slots withdrawn."""

    withdrawal: Withdrawal = field(default_factory=Withdrawal)


# --------------------------------------------------------------------------- the daily job


def generate_all(session: Session, now: datetime) -> int:
    """The daily job: every plage still valid today gets its slots up to the horizon."""
    # Places in ascending order: two schedulers take their locks in the same order.
    periods = session.scalars(
        select(OpeningPeriod)
        .where(
            or_(
                OpeningPeriod.valid_until.is_(None),
                OpeningPeriod.valid_until >= (now - timedelta(days=1)).date(),
            )
        )
        .order_by(OpeningPeriod.place_id, OpeningPeriod.id)
    ).all()
    created = 0
    for period in periods:
        _close_strays(session, period, now)
        created += openings.generate(session, period=period, now=now)
    return created


def _close_strays(session: Session, period: OpeningPeriod, now: datetime) -> None:
    """A slot left outside its plage's hours (it was held then) that has a free place again is withdrawn."""
    open_slots = [
        slot
        for slot in openings.future_slots(session, period, now)
        if slot.closed_at is None and slot.booked_count < slot.capacity
    ]
    fits = openings.still_fits(session, period, open_slots)
    withdraw(session, [slot for slot in open_slots if slot.id not in fits], now=now)


# --------------------------------------------------------------------------- withdrawing slots


def _offered_now(session: Session, organisation_ids: set[int], now: datetime) -> set[int]:
    """Slot ids in a numbered list a person may still answer: deleting one would shift the numbers."""
    lists = session.scalars(
        select(Invitation.offered_slot_ids).where(
            Invitation.organisation_id.in_(organisation_ids),
            Invitation.status == "pending",
            Invitation.expires_at > now,
        )
    )
    return {slot_id for offered in lists for slot_id in offered or ()}


def withdraw(session: Session, slots: Sequence[Slot], *, now: datetime, close: bool = True) -> Withdrawal:
    """Take slots out of the agenda: free ones are deleted, the others closed; held ones reported.

    A slot is kept (and, with `close`, closed: `closed_at` set, capacity brought down to the places
    taken) when
    an appointment points at it, even a cancelled one, or when it is in a numbered list a person
    may still answer. The appointments still holding a place are the "rendez-vous à déplacer".
    """
    result = Withdrawal()
    if not slots:
        return result
    ids = [slot.id for slot in slots]
    kept = set(session.scalars(select(Appointment.slot_id).where(Appointment.slot_id.in_(ids))))
    kept |= _offered_now(session, {slot.organisation_id for slot in slots}, now)
    deletable = {slot.id for slot in slots if slot.booked_count == 0 and slot.id not in kept}
    for slot in slots:
        if close and slot.id not in deletable and slot.closed_at is None:
            slot.closed_at = now
            slot.capacity = slot.booked_count
            result.slots_closed += 1
    if deletable:
        for slot in slots:
            if slot.id in deletable:
                session.expunge(slot)
        session.execute(
            delete(Slot).where(Slot.id.in_(deletable)).execution_options(synchronize_session=False)
        )
        result.slots_removed = len(deletable)
    result.to_move = list(
        session.scalars(
            select(Appointment)
            .join(Slot, Appointment.slot_id == Slot.id)
            .where(Appointment.slot_id.in_(ids), Appointment.status == "unknown")
            .order_by(Slot.start, Appointment.id)
        )
    )
    session.flush()
    return result


# --------------------------------------------------------------------------- plages and absences


def update_opening_period(
    session: Session, *, period: OpeningPeriod, changes: dict[str, object], now: datetime
) -> Change:
    """Change a plage's hours, end of validity or capacity; its future slots follow.

    Slots the plage no longer holds are withdrawn (see `withdraw`); new hours get their slots.
    """
    openings.change_opening_period(session, period=period, changes=changes)
    future = openings.future_slots(session, period, now)
    fits = openings.still_fits(session, period, future)
    withdrawal = withdraw(session, [slot for slot in future if slot.id not in fits], now=now)
    for slot in future:
        if slot.id in fits:
            slot.capacity = max(period.capacity, slot.booked_count)
            slot.closed_at = None
    session.flush()
    return Change(
        period=period, slots_created=openings.generate(session, period=period, now=now), withdrawal=withdrawal
    )


def delete_opening_period(session: Session, *, period: OpeningPeriod, now: datetime) -> Withdrawal:
    """Remove a plage: its future slots are withdrawn; past slots and appointments stay, unlinked."""
    withdrawal = withdraw(session, openings.future_slots(session, period, now), now=now)
    openings.remove_opening_period(session, period=period)
    return withdrawal


def create_absence(
    session: Session,
    *,
    organisation_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    place_id: int | None = None,
    reason: str = "",
) -> tuple[Absence, Withdrawal]:
    """Record an absence; free slots inside it go, booked ones are reported to be moved."""
    absence = absences.record_absence(
        session,
        organisation_id=organisation_id,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now,
        place_id=place_id,
        reason=reason,
    )
    future = [slot for slot in absences.slots_inside(session, absence) if slot.start > now]
    # Not closed: the absence itself keeps them from being booked, and lifting it opens them again.
    return absence, withdraw(session, future, now=now, close=False)


def appointments_to_move(session: Session, *, absence: Absence, now: datetime) -> list[Appointment]:
    """Appointments still holding a place inside the absence, soonest first."""
    ids = [slot.id for slot in absences.slots_inside(session, absence) if slot.start > now]
    if not ids:
        return []
    query = (
        select(Appointment)
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.slot_id.in_(ids), Appointment.status == "unknown")
        .order_by(Slot.start, Appointment.id)
    )
    return list(session.scalars(query))
