"""Console pages of plages d'ouverture (added, ended, deleted) and absences (recorded, lifted).

Admins of the organisation only (403 for an agent); another organisation's is 404.
"""

from datetime import time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.agenda import absences as absence_service
from api.agenda import openings
from api.agenda.models import Absence, Motif, OpeningPeriod, Place
from api.agenda.schemas import MAX_CAPACITY, OpeningPeriodCreate
from api.appointments import agenda_changes
from api.console import agenda_views as av
from api.console.agenda_forms import (
    admin_organisation,
    back_to_agendas,
    forbidden,
    id_list,
    invalid_form,
    member_organisation,
    own_record,
    parse_date,
    parse_int,
    parse_time,
    zone_of,
)
from api.console.forms import checked, read
from api.console.session import ConsoleUser, CurrentConsoleUser, not_found
from api.db import utcnow
from api.deps import SessionDep

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

PLAGE_MESSAGES = {
    "place_id": "Choisissez le lieu.",
    "motif_id": "Choisissez le motif.",
    "weekday": "Choisissez le jour de la semaine.",
    "start_time": "Indiquez l'heure de début (par exemple 09:00).",
    "end_time": "Indiquez l'heure de fin (par exemple 12:00).",
    "capacity": f"Indiquez un nombre de places entre 1 et {MAX_CAPACITY}.",
    "valid_from": "Indiquez la date de début.",
    "valid_until": "Cette date n'est pas valide.",
}
# The rules across fields (api/agenda/openings.py: plage_problems), in the console's words.
PLAGE_PROBLEMS = {
    "end_before_start": "L'heure de fin doit venir après l'heure de début.",
    "shorter_than_motif": "La plage est plus courte qu'un rendez-vous de ce motif ({duration} min).",
    "until_before_from": "La date de fin doit venir après la date de début.",
}


@router.post("/agendas/plages", response_class=HTMLResponse)
def add_plage(
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    organisation_id: Annotated[str, Form()] = "",
    place_id: Annotated[str, Form()] = "",
    motif_id: Annotated[str, Form()] = "",
    weekday: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    end_time: Annotated[str, Form()] = "",
    capacity: Annotated[str, Form()] = "1",
    valid_from: Annotated[str, Form()] = "",
    valid_until: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """A weekly plage d'ouverture; its slots are generated at once."""
    user.check_csrf(csrf_token)
    organisation = admin_organisation(session, user, parse_int(organisation_id))
    place = own_record(session, Place, place_id, organisation)
    motif = own_record(session, Motif, motif_id, organisation)
    fields = {
        "place_id": place.id if place is not None else None,
        "motif_id": motif.id if motif is not None else None,
        "weekday": read(weekday, parse_int),
        "start_time": read(start_time, parse_time),
        "end_time": read(end_time, parse_time),
        "capacity": read(capacity, parse_int, required=True),
        "valid_from": read(valid_from, parse_date),
        "valid_until": read(valid_until, parse_date),
    }
    plage, errors = checked(OpeningPeriodCreate, fields, PLAGE_MESSAGES)
    if plage is not None and motif is not None:
        for problem in openings.plage_problems(
            start_time=plage.start_time,
            end_time=plage.end_time,
            valid_from=plage.valid_from,
            valid_until=plage.valid_until,
            duration_minutes=motif.duration_minutes,
        ):
            message = PLAGE_PROBLEMS[problem.code].format(duration=motif.duration_minutes)
            errors.setdefault(problem.field, message)
    if errors:
        values = {
            "place_id": place_id,
            "motif_id": motif_id,
            "weekday": weekday,
            "start_time": start_time[:8],
            "end_time": end_time[:8],
            "capacity": capacity[:4],
            "valid_from": valid_from[:10],
            "valid_until": valid_until[:10],
        }
        return invalid_form(request, session, user, organisation, "plage", errors, values)
    assert plage is not None
    change = openings.create_opening_period(
        session,
        place_id=plage.place_id,
        motif_id=plage.motif_id,
        weekday=plage.weekday,
        start_time=plage.start_time,
        end_time=plage.end_time,
        capacity=plage.capacity,
        valid_from=plage.valid_from,
        valid_until=plage.valid_until,
        now=utcnow(),
    )
    return back_to_agendas(
        organisation.id, f"#plage-{change.period.id}", ok="plage", crees=change.slots_created
    )


def _period(session: Session, user: ConsoleUser, opening_period_id: int) -> OpeningPeriod:
    period = session.get(OpeningPeriod, opening_period_id)
    if period is None or not user.principal.is_member(period.organisation_id):
        raise not_found()
    if user.principal.roles.get(period.organisation_id) != "admin":
        raise forbidden()
    return period


@router.post("/agendas/plages/{opening_period_id}/supprimer", response_class=HTMLResponse)
def delete_plage(
    opening_period_id: int,
    session: SessionDep,
    user: CurrentConsoleUser,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The plage goes with its future free slots; booked appointments stay, listed to be moved."""
    user.check_csrf(csrf_token)
    period = _period(session, user, opening_period_id)
    organisation_id = period.organisation_id
    withdrawal = agenda_changes.delete_opening_period(session, period=period, now=utcnow())
    anchor = "#a-deplacer" if withdrawal.to_move else "#plages"
    return back_to_agendas(
        organisation_id,
        anchor,
        ok="plage-supprimee",
        retires=withdrawal.slots_removed,
        deplacer=id_list(withdrawal.to_move),
    )


@router.post("/agendas/plages/{opening_period_id}/fin", response_class=HTMLResponse)
def end_plage(
    opening_period_id: int,
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    valid_until: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Set or remove the plage's last day; the slots after it are withdrawn."""
    user.check_csrf(csrf_token)
    period = _period(session, user, opening_period_id)
    last = parse_date(valid_until)
    error = ""
    if valid_until.strip() and last is None:
        error = "Cette date n'est pas valide."
    elif last is not None and last < period.valid_from:
        error = (
            f"Le dernier jour ne peut pas précéder le début de la plage ({av.short_date(period.valid_from)})."
        )
    if error:
        organisation = member_organisation(session, user, period.organisation_id)
        form = f"fin-{period.id}"
        return invalid_form(
            request,
            session,
            user,
            organisation,
            form,
            {"valid_until": error},
            {"valid_until": valid_until[:10]},
        )
    change = agenda_changes.update_opening_period(
        session, period=period, changes={"valid_until": last}, now=utcnow()
    )
    return back_to_agendas(
        period.organisation_id,
        "#a-deplacer" if change.withdrawal.to_move else f"#plage-{period.id}",
        ok="plage-modifiee",
        crees=change.slots_created,
        retires=change.withdrawal.slots_removed,
        deplacer=id_list(change.withdrawal.to_move),
    )


@router.post("/agendas/absences", response_class=HTMLResponse)
def add_absence(
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    organisation_id: Annotated[str, Form()] = "",
    place_id: Annotated[str, Form()] = "",
    start_date: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    end_date: Annotated[str, Form()] = "",
    end_time: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """An absence at one place or all; without hours it covers whole days (end date included)."""
    user.check_csrf(csrf_token)
    organisation = admin_organisation(session, user, parse_int(organisation_id))
    place = own_record(session, Place, place_id, organisation) if place_id.strip() else None
    tz = zone_of(organisation)
    first, last = parse_date(start_date), parse_date(end_date) if end_date.strip() else parse_date(start_date)
    since = parse_time(start_time) if start_time.strip() else time(0)
    until = parse_time(end_time) if end_time.strip() else None
    errors = {}
    if place_id.strip() and place is None:
        errors["place_id"] = "Choisissez un lieu de la liste."
    if first is None:
        errors["start_date"] = "Indiquez le premier jour de l'absence."
    if since is None:
        errors["start_time"] = "Cette heure n'est pas valide (par exemple 09:00)."
    if end_date.strip() and last is None:
        errors["end_date"] = "Cette date n'est pas valide."
    if end_time.strip() and until is None:
        errors["end_time"] = "Cette heure n'est pas valide (par exemple 18:00)."
    if len(reason.strip()) > 200:
        errors["reason"] = "200 caractères au plus."
    starts_at = ends_at = None
    if not errors and first is not None and last is not None and since is not None:
        starts_at = openings.local_instant(first, since, tz)
        ends_at = (
            openings.local_instant(last, until, tz)
            if until is not None
            else openings.local_instant(last + timedelta(days=1), time(0), tz)
        )
        if ends_at <= starts_at:
            errors["end_date"] = "La fin de l'absence doit venir après son début."
    if errors:
        values = {
            "place_id": place_id,
            "start_date": start_date[:10],
            "start_time": start_time[:8],
            "end_date": end_date[:10],
            "end_time": end_time[:8],
            "reason": reason[:300],
        }
        return invalid_form(request, session, user, organisation, "absence", errors, values)
    assert starts_at is not None and ends_at is not None
    absence, withdrawal = agenda_changes.create_absence(
        session,
        organisation_id=organisation.id,
        place_id=place.id if place is not None else None,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        now=utcnow(),
    )
    return back_to_agendas(
        organisation.id, f"#absence-{absence.id}", ok="absence", retires=withdrawal.slots_removed
    )


@router.post("/agendas/absences/{absence_id}/supprimer", response_class=HTMLResponse)
def delete_absence(
    absence_id: int,
    session: SessionDep,
    user: CurrentConsoleUser,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Lift an absence: the plages get their slots back."""
    user.check_csrf(csrf_token)
    absence = session.get(Absence, absence_id)
    if absence is None or not user.principal.is_member(absence.organisation_id):
        raise not_found()
    if user.principal.roles.get(absence.organisation_id) != "admin":
        raise forbidden()
    organisation_id = absence.organisation_id
    created = absence_service.delete_absence(session, absence=absence, now=utcnow())
    return back_to_agendas(organisation_id, "#absences", ok="absence-supprimee", crees=created)
