from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.agenda.absences import slot_is_open_clause
from api.agenda.models import Motif, Place, Slot
from api.errors import Invalid, NotFound

# A slot closer than this is not offered any more: nobody could plan to come.
MIN_NOTICE = timedelta(hours=2)


def create_place(session: Session, *, organisation_id: int, name: str, address: str) -> Place:
    """Create a place where appointments happen."""
    place = Place(organisation_id=organisation_id, name=name, address=address)
    session.add(place)
    session.flush()
    return place


def create_motif(session: Session, *, organisation_id: int, name: str, duration_minutes: int) -> Motif:
    """Create a kind of appointment."""
    motif = Motif(organisation_id=organisation_id, name=name, duration_minutes=duration_minutes)
    session.add(motif)
    session.flush()
    return motif


def create_slot(
    session: Session, *, place_id: int, motif_id: int, start: datetime, capacity: int = 1
) -> Slot:
    """Open a slot; its end follows from the motif's duration."""
    place = session.get(Place, place_id)
    motif = session.get(Motif, motif_id)
    if place is None:
        raise NotFound("place")
    if motif is None or motif.organisation_id != place.organisation_id:
        raise NotFound("motif")
    if start.tzinfo is None:
        raise Invalid("start must carry a time zone offset")
    slot = Slot(
        organisation_id=place.organisation_id,
        place_id=place_id,
        motif_id=motif_id,
        start=start,
        end=start + timedelta(minutes=motif.duration_minutes),
        capacity=capacity,
        booked_count=0,
    )
    session.add(slot)
    session.flush()
    return slot


def free_slots(
    session: Session,
    *,
    motif_id: int,
    place_id: int | None,
    now: datetime,
    limit: int,
    exclude_ids: Sequence[int] = (),
) -> list[Slot]:
    """Slots that can still be booked, soonest first."""
    query = (
        select(Slot)
        .where(Slot.motif_id == motif_id, *_bookable(now))
        .order_by(Slot.start, Slot.id)
        .limit(limit)
    )
    if place_id is not None:
        query = query.where(Slot.place_id == place_id)
    if exclude_ids:
        query = query.where(Slot.id.not_in(list(exclude_ids)))
    return list(session.scalars(query))


def bookable_slot_ids(session: Session, slot_ids: Sequence[int], *, now: datetime) -> set[int]:
    """Which of these slots can still be booked."""
    if not slot_ids:
        return set()
    return set(session.scalars(select(Slot.id).where(Slot.id.in_(list(slot_ids)), *_bookable(now))))


def _bookable(now: datetime) -> tuple:
    return (
        Slot.start > now + MIN_NOTICE,
        Slot.booked_count < Slot.capacity,
        Slot.closed_at.is_(None),
        slot_is_open_clause(),  # nobody receives during an absence
    )


def slots_in_order(session: Session, slot_ids: Sequence[int]) -> list[Slot]:
    """Load slots keeping the given order."""
    by_id = {slot.id: slot for slot in session.scalars(select(Slot).where(Slot.id.in_(slot_ids)))}
    return [by_id[slot_id] for slot_id in slot_ids if slot_id in by_id]


def take_place(session: Session, *, slot_id: int, now: datetime) -> bool:
    """Take one place in a slot, atomically; False if it is full or too close."""
    result = session.execute(
        update(Slot)
        .where(Slot.id == slot_id)
        .where(Slot.booked_count < Slot.capacity)
        .where(Slot.start > now + MIN_NOTICE)
        .where(Slot.closed_at.is_(None))
        .where(slot_is_open_clause())
        .values(booked_count=Slot.booked_count + 1)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1
