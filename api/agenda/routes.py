"""REST API of agendas: places, motifs and slots, plages d'ouverture (slot generation), absences.
Changing or deleting a plage, recording an absence (their answers list the appointments to move)
and the appointments of a day or week: api/appointments/agenda_routes.py, same URLs.

Access (docs/access.md): reading is for members of the organisation; creating, changing and
deleting places, motifs, slots, plages and absences is for its admins (403 for an agent).
Another organisation's plage, absence, place, motif or organisation id is 404, as a missing one.

Generation is `POST /api/opening-periods/{id}/generate`, one plage at a time: a plage is what a
professional creates and changes, and the daily job (bot/scheduler.py) already covers every
plage of every organisation. Creating or changing a plage generates its slots at once anyway;
this endpoint is for after a longer horizon or a lifted holiday.
"""

from fastapi import APIRouter
from sqlalchemy import select

from api.agenda import absences as absence_service
from api.agenda import openings
from api.agenda import service as agenda_service
from api.agenda.access import member_opening_period
from api.agenda.models import Absence, Motif, OpeningPeriod, Place, Slot
from api.agenda.schemas import (
    AbsenceRead,
    GenerationRead,
    MotifCreate,
    MotifRead,
    OpeningPeriodChangeRead,
    OpeningPeriodCreate,
    OpeningPeriodRead,
    PlaceCreate,
    PlaceRead,
    SlotCreate,
    SlotRead,
)
from api.auth import CurrentUser
from api.db import utcnow
from api.deps import SessionDep
from api.errors import NotFound

router = APIRouter(prefix="/api", tags=["agenda"])


# --------------------------------------------------------------------------- places, motifs, slots


@router.post("/places", response_model=PlaceRead, status_code=201)
def create_place(body: PlaceCreate, session: SessionDep, user: CurrentUser):
    user.require_admin(body.organisation_id)
    return agenda_service.create_place(session, **body.model_dump())


@router.get("/places", response_model=list[PlaceRead])
def list_places(session: SessionDep, user: CurrentUser, organisation_id: int | None = None):
    organisations = user.listed_organisations(organisation_id)
    query = select(Place).where(Place.organisation_id.in_(organisations)).order_by(Place.id)
    return list(session.scalars(query))


@router.post("/motifs", response_model=MotifRead, status_code=201)
def create_motif(body: MotifCreate, session: SessionDep, user: CurrentUser):
    user.require_admin(body.organisation_id)
    return agenda_service.create_motif(session, **body.model_dump())


@router.get("/motifs", response_model=list[MotifRead])
def list_motifs(session: SessionDep, user: CurrentUser, organisation_id: int | None = None):
    organisations = user.listed_organisations(organisation_id)
    query = select(Motif).where(Motif.organisation_id.in_(organisations)).order_by(Motif.id)
    return list(session.scalars(query))


@router.post("/slots", response_model=SlotRead, status_code=201)
def create_slot(body: SlotCreate, session: SessionDep, user: CurrentUser):
    place = session.get(Place, body.place_id)
    if place is None or not user.is_member(place.organisation_id):
        raise NotFound("place")
    user.require_admin(place.organisation_id)
    # The motif must be of the place's organisation (404 otherwise): checked by the service.
    return agenda_service.create_slot(session, **body.model_dump())


@router.get("/slots", response_model=list[SlotRead])
def list_slots(session: SessionDep, user: CurrentUser, motif_id: int | None = None, free_only: bool = False):
    query = select(Slot).where(Slot.organisation_id.in_(user.organisation_ids)).order_by(Slot.start, Slot.id)
    if motif_id is not None:
        motif = session.get(Motif, motif_id)
        if motif is None or not user.is_member(motif.organisation_id):
            raise NotFound("motif")
        query = query.where(Slot.motif_id == motif_id)
    if free_only:
        query = query.where(Slot.booked_count < Slot.capacity, Slot.start > utcnow())
    return list(session.scalars(query))


# --------------------------------------------------------------------------- plages d'ouverture


@router.post("/opening-periods", response_model=OpeningPeriodChangeRead, status_code=201)
def create_opening_period(body: OpeningPeriodCreate, session: SessionDep, user: CurrentUser):
    """A weekly plage; its slots up to the horizon are generated at once (`slots_created`)."""
    place = session.get(Place, body.place_id)
    if place is None or not user.is_member(place.organisation_id):
        raise NotFound("place")
    user.require_admin(place.organisation_id)
    # The motif must be of the place's organisation (404 otherwise): checked by the service.
    change = openings.create_opening_period(session, **body.model_dump(), now=utcnow())
    return OpeningPeriodChangeRead(
        **OpeningPeriodRead.model_validate(change.period).model_dump(),
        slots_created=change.slots_created,
        slots_removed=0,
        slots_closed=0,
        appointments_to_move=[],
    )


@router.get("/opening-periods", response_model=list[OpeningPeriodRead])
def list_opening_periods(session: SessionDep, user: CurrentUser, organisation_id: int | None = None):
    query = (
        select(OpeningPeriod)
        .where(OpeningPeriod.organisation_id.in_(user.listed_organisations(organisation_id)))
        .order_by(OpeningPeriod.weekday, OpeningPeriod.start_time, OpeningPeriod.id)
    )
    return list(session.scalars(query))


@router.post("/opening-periods/{opening_period_id}/generate", response_model=GenerationRead)
def generate_slots(opening_period_id: int, session: SessionDep, user: CurrentUser):
    """Create the plage's missing slots up to the horizon (idempotent)."""
    period = member_opening_period(session, user, opening_period_id, admin=True)
    return GenerationRead(slots_created=openings.generate(session, period=period, now=utcnow()))


# --------------------------------------------------------------------------- absences


@router.get("/absences", response_model=list[AbsenceRead])
def list_absences(
    session: SessionDep, user: CurrentUser, organisation_id: int | None = None, include_past: bool = False
):
    """Absences not over yet (every one with `include_past`), soonest first."""
    return absence_service.list_absences(
        session,
        organisation_ids=user.listed_organisations(organisation_id),
        ending_after=None if include_past else utcnow(),
    )


@router.delete("/absences/{absence_id}", response_model=GenerationRead)
def delete_absence(absence_id: int, session: SessionDep, user: CurrentUser):
    """Lift an absence: the plages get their slots back at once (`slots_created`)."""
    absence = session.get(Absence, absence_id)
    if absence is None or not user.is_member(absence.organisation_id):
        raise NotFound("absence")
    user.require_admin(absence.organisation_id)
    return GenerationRead(
        slots_created=absence_service.delete_absence(session, absence=absence, now=utcnow())
    )
