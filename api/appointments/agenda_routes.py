"""REST API of the agenda where an answer involves appointments: a plage changed or deleted, an
absence recorded (each lists the "rendez-vous à déplacer"), the appointments of a day or week.

Here rather than in api/agenda/routes.py because the agenda sits below appointments in the layers;
the URLs, the tag and the access rules are the agenda's (changing is for admins, reading for
members; another organisation's plage, place or organisation is 404).
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from api.agenda.access import member_opening_period
from api.agenda.schemas import (
    AbsenceCreate,
    AbsenceCreatedRead,
    AbsenceRead,
    AgendaAppointmentRead,
    OpeningPeriodChangeRead,
    OpeningPeriodRead,
    OpeningPeriodUpdate,
    WithdrawalRead,
)
from api.appointments import agenda_changes, day_view
from api.auth import CurrentUser
from api.db import utcnow
from api.deps import SessionDep
from api.organisations.models import Organisation

router = APIRouter(prefix="/api", tags=["agenda"])


def _withdrawal(session: Session, withdrawal: agenda_changes.Withdrawal) -> dict:
    return {
        "slots_removed": withdrawal.slots_removed,
        "slots_closed": withdrawal.slots_closed,
        "appointments_to_move": [row.read() for row in day_view.describe(session, withdrawal.to_move)],
    }


def _change(session: Session, change: agenda_changes.Change) -> OpeningPeriodChangeRead:
    return OpeningPeriodChangeRead(
        **OpeningPeriodRead.model_validate(change.period).model_dump(),
        slots_created=change.slots_created,
        **_withdrawal(session, change.withdrawal),
    )


@router.patch("/opening-periods/{opening_period_id}", response_model=OpeningPeriodChangeRead)
def update_opening_period(
    opening_period_id: int, body: OpeningPeriodUpdate, session: SessionDep, user: CurrentUser
):
    """Fields sent are changed (`valid_until: null` removes the end). Slots no longer in the
    plage are deleted, or closed when someone holds them (`appointments_to_move`)."""
    period = member_opening_period(session, user, opening_period_id, admin=True)
    changes = body.model_dump(include=body.model_fields_set)
    for name in ("start_time", "end_time", "capacity"):
        if changes.get(name, 0) is None:
            changes.pop(name)
    return _change(
        session, agenda_changes.update_opening_period(session, period=period, changes=changes, now=utcnow())
    )


@router.delete("/opening-periods/{opening_period_id}", response_model=WithdrawalRead)
def delete_opening_period(opening_period_id: int, session: SessionDep, user: CurrentUser):
    """The plage goes; its future free slots too. Booked appointments stay and are listed to move."""
    period = member_opening_period(session, user, opening_period_id, admin=True)
    withdrawal = agenda_changes.delete_opening_period(session, period=period, now=utcnow())
    return WithdrawalRead(**_withdrawal(session, withdrawal))


@router.post("/absences", response_model=AbsenceCreatedRead, status_code=201)
def create_absence(body: AbsenceCreate, session: SessionDep, user: CurrentUser):
    """Free slots inside the absence are deleted; booked ones stay, listed in `appointments_to_move`."""
    user.require_admin(body.organisation_id)
    # The place must be of that organisation (404 otherwise): checked by the service.
    absence, withdrawal = agenda_changes.create_absence(session, **body.model_dump(), now=utcnow())
    withdrawn = _withdrawal(session, withdrawal)
    return AbsenceCreatedRead(
        **AbsenceRead.model_validate(absence).model_dump(),
        slots_removed=withdrawn["slots_removed"],
        appointments_to_move=withdrawn["appointments_to_move"],
    )


# --------------------------------------------------------------------------- the day's appointments


@router.get("/agenda", response_model=list[AgendaAppointmentRead])
def agenda(
    session: SessionDep,
    user: CurrentUser,
    organisation_id: int | None = None,
    day: date | None = None,
    days: Annotated[int, Query(ge=1, le=7, description="1: the day; 7: the week from that day")] = 1,
):
    """Appointments (every status) starting on that local day or the `days` from it; today by default."""
    rows: list[day_view.AgendaRow] = []
    now = utcnow()
    for org_id in user.listed_organisations(organisation_id):
        organisation = session.get(Organisation, org_id)
        assert organisation is not None
        tz = organisation.zone
        start, end = day_view.local_days(day or now.astimezone(tz).date(), days, tz)
        rows += day_view.appointments_between(session, organisation_id=org_id, start=start, end=end)
    rows.sort(key=lambda row: (row.slot.start, row.appointment.id))
    return [row.read() for row in rows]
