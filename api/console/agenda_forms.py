"""What the console's agenda pages share: reading form fields, the caller's organisation (member or
admin), the way back to the agendas page with its message, and that page itself (also shown
again, with the errors, when a form is refused)."""

from datetime import date, time
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda.models import Motif, Place
from api.appointments.models import Appointment
from api.calendar_words import WEEKDAYS
from api.config import get_settings
from api.console import agenda_views as av
from api.console.rendering import harden, page
from api.console.session import ConsoleUser, PageError, not_found
from api.db import utcnow
from api.organisations.models import Organisation
from api.text_safety import ascii_int

AGENDAS_URL = "/console/agendas"


def forbidden() -> PageError:
    return PageError(
        403, "Accès refusé", "Seuls les administrateurs de l'organisation peuvent modifier ses agendas."
    )


# --------------------------------------------------------------------------- parsing helpers


def parse_int(value: str | None) -> int | None:
    return ascii_int(value)


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def parse_time(value: str | None) -> time | None:
    try:
        parsed = time.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return None if parsed.tzinfo else parsed.replace(second=0, microsecond=0)


def plural(count: int, one: str, many: str) -> str:
    """'aucun créneau créé', '1 créneau créé', '3 créneaux créés'."""
    if count == 0:
        return f"aucun {one}"
    return f"{count} {one if count == 1 else many}"


def zone_of(organisation: Organisation) -> ZoneInfo:
    return organisation.zone


# --------------------------------------------------------------------------- access


def member_organisation(session: Session, user: ConsoleUser, organisation_id: int | None) -> Organisation:
    """A member's organisation, or 404."""
    if organisation_id is None or not user.principal.is_member(organisation_id):
        raise not_found()
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise not_found()
    return organisation


def admin_organisation(session: Session, user: ConsoleUser, organisation_id: int | None) -> Organisation:
    """The organisation if the caller is its admin: 404 outside it, 403 for an agent."""
    organisation = member_organisation(session, user, organisation_id)
    if user.principal.roles.get(organisation.id) != "admin":
        raise forbidden()
    return organisation


def back_to_agendas(organisation_id: int, anchor: str = "", **params: object) -> Response:
    query = urlencode(
        {"organisation": organisation_id, **{k: v for k, v in params.items() if v not in (None, "")}}
    )
    return harden(RedirectResponse(f"{AGENDAS_URL}?{query}{anchor}", status_code=303))


def id_list(appointments: list[Appointment]) -> str:
    return ",".join(str(appointment.id) for appointment in appointments)


# --------------------------------------------------------------------------- the agendas page


def _flash(request: Request) -> tuple[str, str] | None:
    params = request.query_params
    created, removed = parse_int(params.get("crees")) or 0, parse_int(params.get("retires")) or 0
    slots_created = plural(created, "créneau créé", "créneaux créés")
    slots_removed = plural(removed, "créneau libre retiré", "créneaux libres retirés")
    reopened = plural(created, "créneau rouvert", "créneaux rouverts")
    messages = {
        "lieu": "Lieu ajouté.",
        "motif": "Motif ajouté.",
        "plage": f"Plage d'ouverture ajoutée : {slots_created}.",
        "plage-modifiee": f"Plage d'ouverture modifiée : {slots_created}, {slots_removed}.",
        "plage-supprimee": f"Plage d'ouverture supprimée : {slots_removed}.",
        "absence": f"Absence enregistrée : {slots_removed}.",
        "absence-supprimee": f"Absence supprimée : {reopened}.",
    }
    code = params.get("ok", "")
    return (messages[code], "success") if code in messages else None


def agendas_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    organisation: Organisation | None,
    *,
    status_code: int = 200,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
) -> Response:
    now = utcnow()
    context: dict = {
        "nav": "agendas",
        "organisation": organisation,
        "organisations": list(
            session.execute(
                select(Organisation.id, Organisation.name)
                .where(Organisation.id.in_(user.principal.organisation_ids))
                .order_by(Organisation.name)
            ).tuples()
        ),
        "errors": errors or {},
        "values": values or {},
        "flash": _flash(request),
        "weekday_options": [(index, name.capitalize()) for index, name in enumerate(WEEKDAYS)],
        "horizon_days": get_settings().slot_horizon_days,
    }
    if organisation is not None:
        tz = zone_of(organisation)
        today = now.astimezone(tz).date()
        moved = [i for i in (parse_int(v) for v in request.query_params.get("deplacer", "").split(",")) if i]
        places = list(
            session.scalars(select(Place).filter_by(organisation_id=organisation.id).order_by(Place.name))
        )
        motifs = list(
            session.scalars(select(Motif).filter_by(organisation_id=organisation.id).order_by(Motif.name))
        )
        context.update(
            is_admin=user.principal.roles.get(organisation.id) == "admin",
            today=today.isoformat(),
            time_zone=organisation.time_zone,
            places=places,
            motifs=motifs,
            place_options=[(place.id, place.name) for place in places],
            motif_options=[(motif.id, f"{motif.name} ({motif.duration_minutes} min)") for motif in motifs],
            plages=av.plage_rows(session, organisation_id=organisation.id, today=today, now=now),
            absences=av.absence_rows(session, organisation_id=organisation.id, tz=tz, now=now),
            to_move=av.to_move_rows(
                session, appointment_ids=moved[:200], organisation_id=organisation.id, tz=tz, now=now
            ),
        )
    return page(request, user, "agendas.html", context, status_code=status_code)


def invalid_form(
    request: Request,
    session: Session,
    user: ConsoleUser,
    organisation: Organisation,
    form: str,
    errors: dict[str, str],
    values: dict[str, str],
) -> Response:
    return agendas_page(
        request, session, user, organisation, status_code=422, errors={form: errors}, values={form: values}
    )


def own_record(session: Session, model: type, raw: str, organisation: Organisation):
    """A place or motif of this organisation chosen in a list; another one is 404 (a forged form)."""
    found = session.get(model, parse_int(raw)) if parse_int(raw) is not None else None
    if found is not None and found.organisation_id != organisation.id:
        raise not_found()
    return found
