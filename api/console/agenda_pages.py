"""Console pages for agendas: places, motifs, plages d'ouverture, absences; appointments, attendance.

Every member of an organisation reads its agendas; only its admins change them (403 for an
agent), as on the REST API (api/agenda/routes.py). Agents and admins both record attendance.
Another organisation's id is 404, exactly like a missing one.
"""

from datetime import date, time, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda import absences as absence_service
from api.agenda import openings
from api.agenda import service as agenda_service
from api.agenda.models import Absence, Motif, OpeningPeriod, Place
from api.appointments import agenda_changes, day_view
from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.calendar_words import WEEKDAYS
from api.carnet.models import CarnetEntry
from api.config import get_settings
from api.console import agenda_views as av
from api.console.rendering import harden, page
from api.console.session import ConsoleUser, CurrentConsoleUser, PageError, not_found
from api.db import utcnow
from api.deps import SessionDep
from api.errors import Conflict
from api.invitations import service as invitation_service
from api.organisations.models import Organisation
from api.text_safety import ascii_int

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

AGENDAS_URL = "/console/agendas"
MAX_CAPACITY = 100
VIEWS = {"jour": "Jour", "semaine": "Semaine"}


def forbidden() -> PageError:
    return PageError(
        403, "Accès refusé", "Seuls les administrateurs de l'organisation peuvent modifier ses agendas."
    )


# --------------------------------------------------------------------------- parsing helpers


def _int(value: str | None) -> int | None:
    return ascii_int(value)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _time(value: str | None) -> time | None:
    try:
        parsed = time.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return None if parsed.tzinfo else parsed.replace(second=0, microsecond=0)


def _plural(count: int, one: str, many: str) -> str:
    """'aucun créneau créé', '1 créneau créé', '3 créneaux créés'."""
    if count == 0:
        return f"aucun {one}"
    return f"{count} {one if count == 1 else many}"


def _tz(organisation: Organisation) -> ZoneInfo:
    return organisation.zone


# --------------------------------------------------------------------------- access


def _organisation(session: Session, user: ConsoleUser, organisation_id: int | None) -> Organisation:
    """A member's organisation, or 404."""
    if organisation_id is None or not user.principal.is_member(organisation_id):
        raise not_found()
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise not_found()
    return organisation


def _admin_organisation(session: Session, user: ConsoleUser, organisation_id: int | None) -> Organisation:
    """The organisation if the caller is its admin: 404 outside it, 403 for an agent."""
    organisation = _organisation(session, user, organisation_id)
    if user.principal.roles.get(organisation.id) != "admin":
        raise forbidden()
    return organisation


def _back(organisation_id: int, anchor: str = "", **params: object) -> Response:
    query = urlencode(
        {"organisation": organisation_id, **{k: v for k, v in params.items() if v not in (None, "")}}
    )
    return harden(RedirectResponse(f"{AGENDAS_URL}?{query}{anchor}", status_code=303))


def _ids(appointments: list[Appointment]) -> str:
    return ",".join(str(appointment.id) for appointment in appointments)


# --------------------------------------------------------------------------- the agendas page


def _flash(request: Request) -> tuple[str, str] | None:
    params = request.query_params
    created, removed = _int(params.get("crees")) or 0, _int(params.get("retires")) or 0
    slots_created = _plural(created, "créneau créé", "créneaux créés")
    slots_removed = _plural(removed, "créneau libre retiré", "créneaux libres retirés")
    reopened = _plural(created, "créneau rouvert", "créneaux rouverts")
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


def _agendas_page(
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
        tz = _tz(organisation)
        today = now.astimezone(tz).date()
        moved = [i for i in (_int(v) for v in request.query_params.get("deplacer", "").split(",")) if i]
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


@router.get("/agendas", response_class=HTMLResponse)
def agendas(
    request: Request, session: SessionDep, user: CurrentConsoleUser, organisation: str = ""
) -> Response:
    """The organisation's places, motifs, plages and absences (the first of the caller's by default)."""
    chosen = _int(organisation)
    if chosen is None and organisation.strip():
        raise not_found()
    if chosen is None:
        ids = user.principal.organisation_ids
        current = session.get(Organisation, ids[0]) if ids else None
    else:
        current = _organisation(session, user, chosen)
    return _agendas_page(request, session, user, current)


def _invalid(
    request: Request,
    session: Session,
    user: ConsoleUser,
    organisation: Organisation,
    form: str,
    errors: dict[str, str],
    values: dict[str, str],
) -> Response:
    return _agendas_page(
        request, session, user, organisation, status_code=422, errors={form: errors}, values={form: values}
    )


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
    organisation = _admin_organisation(session, user, _int(organisation_id))
    errors = {}
    if not name.strip() or len(name.strip()) > 120:
        errors["name"] = "Donnez le nom du lieu (120 caractères au plus)."
    if not address.strip() or len(address.strip()) > 200:
        errors["address"] = "Donnez l'adresse du lieu (200 caractères au plus)."
    if errors:
        values = {"name": name[:300], "address": address[:300]}
        return _invalid(request, session, user, organisation, "lieu", errors, values)
    agenda_service.create_place(
        session, organisation_id=organisation.id, name=name.strip(), address=address.strip()
    )
    return _back(organisation.id, "#lieux", ok="lieu")


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
    organisation = _admin_organisation(session, user, _int(organisation_id))
    errors = {}
    duration = _int(duration_minutes)
    if not name.strip() or len(name.strip()) > 120:
        errors["name"] = "Donnez le nom du motif (120 caractères au plus)."
    if duration is None or not 5 <= duration <= 480:
        errors["duration_minutes"] = "Indiquez une durée entre 5 et 480 minutes."
    if errors:
        values = {"name": name[:300], "duration_minutes": duration_minutes[:10]}
        return _invalid(request, session, user, organisation, "motif", errors, values)
    assert duration is not None
    agenda_service.create_motif(
        session, organisation_id=organisation.id, name=name.strip(), duration_minutes=duration
    )
    return _back(organisation.id, "#motifs", ok="motif")


def _own(session: Session, model: type, raw: str, organisation: Organisation):
    """A place or motif of this organisation chosen in a list; another one is 404 (a forged form)."""
    found = session.get(model, _int(raw)) if _int(raw) is not None else None
    if found is not None and found.organisation_id != organisation.id:
        raise not_found()
    return found


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
    organisation = _admin_organisation(session, user, _int(organisation_id))
    place = _own(session, Place, place_id, organisation)
    motif = _own(session, Motif, motif_id, organisation)
    day, start, end = _int(weekday), _time(start_time), _time(end_time)
    seats, first, last = _int(capacity), _date(valid_from), _date(valid_until)
    errors = {}
    if place is None:
        errors["place_id"] = "Choisissez le lieu."
    if motif is None:
        errors["motif_id"] = "Choisissez le motif."
    if day is None or not 0 <= day <= 6:
        errors["weekday"] = "Choisissez le jour de la semaine."
    if start is None:
        errors["start_time"] = "Indiquez l'heure de début (par exemple 09:00)."
    if end is None:
        errors["end_time"] = "Indiquez l'heure de fin (par exemple 12:00)."
    elif start is not None and end <= start:
        errors["end_time"] = "L'heure de fin doit venir après l'heure de début."
    elif start is not None and motif is not None:
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if minutes < motif.duration_minutes:
            errors["end_time"] = (
                f"La plage est plus courte qu'un rendez-vous de ce motif ({motif.duration_minutes} min)."
            )
    if seats is None or not 1 <= seats <= MAX_CAPACITY:
        errors["capacity"] = f"Indiquez un nombre de places entre 1 et {MAX_CAPACITY}."
    if first is None:
        errors["valid_from"] = "Indiquez la date de début."
    if valid_until.strip() and last is None:
        errors["valid_until"] = "Cette date n'est pas valide."
    elif first is not None and last is not None and last < first:
        errors["valid_until"] = "La date de fin doit venir après la date de début."
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
        return _invalid(request, session, user, organisation, "plage", errors, values)
    assert place is not None and motif is not None and day is not None and start and end and seats and first
    change = openings.create_opening_period(
        session,
        place_id=place.id,
        motif_id=motif.id,
        weekday=day,
        start_time=start,
        end_time=end,
        capacity=seats,
        valid_from=first,
        valid_until=last,
        now=utcnow(),
    )
    return _back(organisation.id, f"#plage-{change.period.id}", ok="plage", crees=change.slots_created)


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
    return _back(
        organisation_id,
        anchor,
        ok="plage-supprimee",
        retires=withdrawal.slots_removed,
        deplacer=_ids(withdrawal.to_move),
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
    last = _date(valid_until)
    error = ""
    if valid_until.strip() and last is None:
        error = "Cette date n'est pas valide."
    elif last is not None and last < period.valid_from:
        error = (
            f"Le dernier jour ne peut pas précéder le début de la plage ({av.short_date(period.valid_from)})."
        )
    if error:
        organisation = _organisation(session, user, period.organisation_id)
        form = f"fin-{period.id}"
        return _invalid(
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
    return _back(
        period.organisation_id,
        "#a-deplacer" if change.withdrawal.to_move else f"#plage-{period.id}",
        ok="plage-modifiee",
        crees=change.slots_created,
        retires=change.withdrawal.slots_removed,
        deplacer=_ids(change.withdrawal.to_move),
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
    organisation = _admin_organisation(session, user, _int(organisation_id))
    place = _own(session, Place, place_id, organisation) if place_id.strip() else None
    tz = _tz(organisation)
    first, last = _date(start_date), _date(end_date) if end_date.strip() else _date(start_date)
    since = _time(start_time) if start_time.strip() else time(0)
    until = _time(end_time) if end_time.strip() else None
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
        return _invalid(request, session, user, organisation, "absence", errors, values)
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
    return _back(organisation.id, f"#absence-{absence.id}", ok="absence", retires=withdrawal.slots_removed)


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
    return _back(organisation_id, "#absences", ok="absence-supprimee", crees=created)


# --------------------------------------------------------------------------- appointments of a day or a week

PRESENCE_FLASH = {
    "presence-seen": ("Présence enregistrée : vu.", "success"),
    "presence-noshow": ("Présence enregistrée : absent non excusé.", "success"),
    "presence-excused": ("Rendez-vous annulé : la personne est excusée.", "success"),
    "presence-revoked": (
        "Rendez-vous annulé par le service : la personne est prévenue par SMS et reçoit d'autres créneaux.",
        "success",
    ),
    "trop-tot": ("La présence se renseigne une fois le rendez-vous commencé.", "error"),
    "deja-annule": ("Ce rendez-vous était déjà annulé : rien n'a changé.", "error"),
}


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _days(day: date, view: str) -> list[date]:
    if view == "semaine":
        monday = _week_start(day)
        return [monday + timedelta(days=offset) for offset in range(7)]
    return [day]


def _rendez_vous_url(day: date, view: str) -> str:
    return "/console/rendez-vous?" + urlencode({"jour": day.isoformat(), "vue": view})


def _rendez_vous_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    *,
    day_param: str,
    view_param: str,
    status_code: int = 200,
    error: tuple[int, str] | None = None,
) -> Response:
    now = utcnow()
    organisations = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(user.principal.organisation_ids))
            .order_by(Organisation.id)
        )
    )
    zones = {org.id: _tz(org) for org in organisations}
    home = zones[organisations[0].id] if organisations else ZoneInfo("Europe/Paris")
    today = now.astimezone(home).date()
    view = view_param if view_param in VIEWS else "jour"
    day = _date(day_param) or today
    days = _days(day, view)
    rows: list[day_view.AgendaRow] = []
    for organisation in organisations:
        start, end = day_view.local_days(days[0], len(days), zones[organisation.id])
        rows += day_view.appointments_between(session, organisation_id=organisation.id, start=start, end=end)
    rows.sort(key=lambda row: (row.slot.start, row.appointment.id))
    names = {org.id: org.name for org in organisations} if len(organisations) > 1 else {}
    appointments = av.appointment_rows(rows, zones=zones, names=names, now=now)
    step = timedelta(days=7 if view == "semaine" else 1)
    if view == "semaine":
        title = f"Semaine du {av.day_label(days[0])} au {av.day_label(days[-1], year=True)}"
    else:
        title = av.day_label(day, year=True).capitalize()
    context = {
        "nav": "rendez-vous",
        "title": title,
        "view": view,
        "views": VIEWS,
        "day": day.isoformat(),
        "groups": [
            (d, av.day_label(d).capitalize(), [row for row in appointments if row.day == d]) for d in days
        ],
        "count": len(appointments),
        "previous_url": _rendez_vous_url(day - step, view),
        "next_url": _rendez_vous_url(day + step, view),
        "today_url": _rendez_vous_url(today, view),
        "view_urls": {code: _rendez_vous_url(day, code) for code in VIEWS},
        "is_today": today in days,
        "several_organisations": len(organisations) > 1,
        "flash": PRESENCE_FLASH.get(request.query_params.get("ok", "")),
        "error": error,
    }
    return page(request, user, "rendez_vous.html", context, status_code=status_code)


@router.get("/rendez-vous", response_class=HTMLResponse)
def rendez_vous(
    request: Request, session: SessionDep, user: CurrentConsoleUser, jour: str = "", vue: str = "jour"
) -> Response:
    """The appointments of a day or of a week (Monday to Sunday), with attendance to record."""
    return _rendez_vous_page(request, session, user, day_param=jour, view_param=vue)


@router.post("/rendez-vous/{appointment_id}/presence", response_class=HTMLResponse)
def record_attendance(
    appointment_id: int,
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    statut: Annotated[str, Form()] = "",
    jour: Annotated[str, Form()] = "",
    vue: Annotated[str, Form()] = "jour",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Seen, no-show, excused or cancelled by the service, through appointments.service.set_status.

    The carnet gets the event (set_status writes it), signed with the professional's account;
    a cancellation by the service tells the person and offers other slots, as the REST API does.
    """
    user.check_csrf(csrf_token)
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or not user.principal.is_member(appointment.organisation_id):
        raise not_found()
    view = vue if vue in VIEWS else "jour"
    tz = _tz(_organisation(session, user, appointment.organisation_id))
    day = _date(jour) or appointment.slot.start.astimezone(tz).date()
    if statut not in appointment_service.ATTENDANCE_STATUSES:
        message = "Choisissez : vu, absent non excusé, excusé ou annulé par nous."
        return _rendez_vous_page(
            request,
            session,
            user,
            day_param=day.isoformat(),
            view_param=view,
            status_code=422,
            error=(appointment.id, message),
        )
    now = utcnow()
    previous = appointment.status
    try:
        appointment_service.set_status(session, appointment_id=appointment.id, status=statut, now=now)
    except Conflict:
        flash = "deja-annule" if previous in ("excused", "revoked") else "trop-tot"
    else:
        flash = f"presence-{statut}"
        if previous != statut:
            _sign(session, appointment, statut, user)
            if statut == "revoked":
                invitation_service.reoffer_after_revocation(session, appointment=appointment, now=now)
    query = urlencode({"jour": day.isoformat(), "vue": view, "ok": flash})
    return harden(RedirectResponse(f"/console/rendez-vous?{query}#rdv-{appointment.id}", status_code=303))


def _sign(session: Session, appointment: Appointment, status: str, user: ConsoleUser) -> None:
    """Who recorded it, in the carnet entry set_status just wrote (shown in the timeline)."""
    entry = session.scalar(
        select(CarnetEntry)
        .where(
            CarnetEntry.beneficiary_id == appointment.beneficiary_id,
            CarnetEntry.kind == f"appointment_{status}",
        )
        .order_by(CarnetEntry.id.desc())
        .limit(1)
    )
    if entry is not None and (entry.data or {}).get("appointment_id") == appointment.id:
        entry.data = {**entry.data, "user_id": user.user_id}
        session.flush()
