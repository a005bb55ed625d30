"""Console pages for agendas: the agendas page, places and motifs (plages d'ouverture and absences:
plage_pages.py; appointments and attendance: rendez_vous_pages.py).

Every member of an organisation reads its agendas; only its admins change them (403 for an
agent), as on the REST API (api/agenda/routes.py). Another organisation's id is 404, exactly
like a missing one.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.agenda import service as agenda_service
from api.agenda.schemas import MotifCreate, PlaceCreate
from api.console.agenda_forms import (
    admin_organisation,
    agendas_page,
    back_to_agendas,
    invalid_form,
    member_organisation,
    parse_int,
)
from api.console.forms import checked, read
from api.console.session import CurrentConsoleUser, not_found
from api.deps import SessionDep
from api.organisations.models import Organisation

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

PLACE_MESSAGES = {
    "name": "Donnez le nom du lieu (120 caractères au plus).",
    "address": "Donnez l'adresse du lieu (200 caractères au plus).",
}
MOTIF_MESSAGES = {
    "name": "Donnez le nom du motif (120 caractères au plus).",
    "duration_minutes": "Indiquez une durée entre 5 et 480 minutes.",
}


@router.get("/agendas", response_class=HTMLResponse)
def agendas(
    request: Request, session: SessionDep, user: CurrentConsoleUser, organisation: str = ""
) -> Response:
    """The organisation's places, motifs, plages and absences (the first of the caller's by default)."""
    chosen = parse_int(organisation)
    if chosen is None and organisation.strip():
        raise not_found()
    if chosen is None:
        ids = user.principal.organisation_ids
        current = session.get(Organisation, ids[0]) if ids else None
    else:
        current = member_organisation(session, user, chosen)
    return agendas_page(request, session, user, current)


@router.post("/agendas/lieux", response_class=HTMLResponse)
def add_place(
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    organisation_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    user.check_csrf(csrf_token)
    organisation = admin_organisation(session, user, parse_int(organisation_id))
    place, errors = checked(
        PlaceCreate, {"organisation_id": organisation.id, "name": name, "address": address}, PLACE_MESSAGES
    )
    if place is None:
        values = {"name": name[:300], "address": address[:300]}
        return invalid_form(request, session, user, organisation, "lieu", errors, values)
    agenda_service.create_place(
        session, organisation_id=organisation.id, name=place.name, address=place.address
    )
    return back_to_agendas(organisation.id, "#lieux", ok="lieu")


@router.post("/agendas/motifs", response_class=HTMLResponse)
def add_motif(
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    organisation_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    duration_minutes: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    user.check_csrf(csrf_token)
    organisation = admin_organisation(session, user, parse_int(organisation_id))
    duration = read(duration_minutes, parse_int, required=True)  # the REST API has a default, not the form
    fields = {"organisation_id": organisation.id, "name": name, "duration_minutes": duration}
    motif, errors = checked(MotifCreate, fields, MOTIF_MESSAGES)
    if motif is None:
        values = {"name": name[:300], "duration_minutes": duration_minutes[:10]}
        return invalid_form(request, session, user, organisation, "motif", errors, values)
    agenda_service.create_motif(
        session, organisation_id=organisation.id, name=motif.name, duration_minutes=motif.duration_minutes
    )
    return back_to_agendas(organisation.id, "#motifs", ok="motif")
