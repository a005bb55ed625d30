"""Console pages of appointments: those of a day or a week, and attendance (seen, no-show, excused,
revoked), which agents and admins both record. Another organisation's is 404."""

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.appointments import day_view
from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.carnet.models import CarnetEntry
from api.console import agenda_views as av
from api.console.agenda_forms import member_organisation, parse_date, zone_of
from api.console.rendering import harden, page
from api.console.session import ConsoleUser, CurrentConsoleUser, not_found
from api.db import utcnow
from api.deps import SessionDep
from api.errors import Conflict
from api.invitations import service as invitation_service
from api.organisations.models import Organisation

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

VIEWS = {"jour": "Jour", "semaine": "Semaine"}


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
    zones = {org.id: zone_of(org) for org in organisations}
    home = zones[organisations[0].id] if organisations else ZoneInfo("Europe/Paris")
    today = now.astimezone(home).date()
    view = view_param if view_param in VIEWS else "jour"
    day = parse_date(day_param) or today
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
    tz = zone_of(member_organisation(session, user, appointment.organisation_id))
    day = parse_date(jour) or appointment.slot.start.astimezone(tz).date()
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
