"""Absences: times when nobody receives, at one place or at every place of the organisation.

An absence is checked when slots are offered or booked (`slot_is_open_clause`), so a slot that
could not be deleted (someone holds it, or it is in a list a person may still answer) is never
booked while the absence lasts, and opens again if the absence is lifted. Free slots inside a
new absence are deleted; appointments inside it are handed back as "rendez-vous à déplacer"
(api/appointments/agenda_changes.py, which knows who holds a slot).
"""

from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from api.agenda import openings
from api.agenda.models import Absence, Place, Slot
from api.errors import Invalid, NotFound


def slot_is_open_clause():
    """SQL: the slot is not inside an absence of its place or of its whole organisation."""
    return ~exists().where(
        Absence.organisation_id == Slot.organisation_id,
        or_(Absence.place_id.is_(None), Absence.place_id == Slot.place_id),
        Absence.starts_at < Slot.end,
        Absence.ends_at > Slot.start,
    )


def slots_inside(session: Session, absence: Absence) -> list[Slot]:
    query = select(Slot).where(
        Slot.organisation_id == absence.organisation_id,
        Slot.start < absence.ends_at,
        Slot.end > absence.starts_at,
    )
    if absence.place_id is not None:
        query = query.where(Slot.place_id == absence.place_id)
    return list(session.scalars(query.order_by(Slot.start, Slot.id)))


def record_absence(
    session: Session,
    *,
    organisation_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    place_id: int | None = None,
    reason: str = "",
) -> Absence:
    """Record an absence (the slots inside it: agenda_changes.create_absence)."""
    if place_id is not None:
        place = session.get(Place, place_id)
        if place is None or place.organisation_id != organisation_id:
            raise NotFound("place")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise Invalid("starts_at and ends_at must carry a time zone offset")
    if starts_at >= ends_at:
        raise Invalid("starts_at must come before ends_at")
    absence = Absence(
        organisation_id=organisation_id,
        place_id=place_id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        created_at=now,
    )
    session.add(absence)
    session.flush()
    return absence


def delete_absence(session: Session, *, absence: Absence, now: datetime) -> int:
    """Lift an absence: the plages get their slots back; how many slots were created."""
    organisation_id = absence.organisation_id
    session.delete(absence)
    session.flush()
    return openings.generate_organisation(session, organisation_id=organisation_id, now=now)


def list_absences(
    session: Session, *, organisation_ids: list[int], ending_after: datetime | None = None
) -> list[Absence]:
    """The organisations' absences, soonest first; only those not over yet with `ending_after`."""
    query = select(Absence).where(Absence.organisation_id.in_(organisation_ids))
    if ending_after is not None:
        query = query.where(Absence.ends_at > ending_after)
    return list(session.scalars(query.order_by(Absence.starts_at, Absence.id)))
