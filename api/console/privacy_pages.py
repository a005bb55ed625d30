"""Console pages. RGPD: a person's data exported (JSON) or erased on request.

The carnet shows a "Données personnelles (RGPD)" section (templates/rgpd_section.html): every
member may export, only the organisation's admins may erase, after a confirmation page that
says what will go. The erasures of the admin's organisations are listed (their anonymous trace).
Same rules as the REST API: another organisation's person is 404, an agent gets 403.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from api.accounts import service as accounts_service
from api.accounts.models import User
from api.agenda.models import Motif, Place, Slot
from api.agenda.slot_choice import format_slot_label
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.config import get_settings
from api.console import views
from api.console.rendering import harden, page
from api.console.session import ConsoleUser, CurrentConsoleUser, PageError, member_beneficiary
from api.db import utcnow
from api.deps import SessionDep
from api.errors import Conflict
from api.organisations.models import Organisation
from api.privacy import erasure
from api.privacy.export import export_person
from api.privacy.models import ErasureRecord
from api.privacy.rasa_tracker import forget_conversations
from api.privacy.routes import export_filename

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

MAX_LISTED = 200
# What an erasure removes or changes (ErasureRecord.removed keys), in the professionals' words.
REMOVED_LABELS = {
    "beneficiaries": "Fiche de la personne",
    "invitations": "Invitations",
    "appointments": "Rendez-vous",
    "carnet_entries": "Entrées du carnet",
    "inbound_messages": "Messages reçus",
    "outbox_messages": "Messages envoyés",
    "delivery_status_events": "Statuts de remise des messages",
    "scheduled_messages": "Messages programmés (rappels, relances)",
    "handoff_requests": "Demandes dans la file d'attente",
    "slots_released": "Places de rendez-vous à venir libérées",
    "audit_log_detached": "Lignes du journal d'audit détachées de la personne",
    "beneficiary_imports_cleaned": "Rapports d'import nettoyés",
}
REASONS = {"request": "Demande de la personne", "retention": "Durée de conservation dépassée"}
FLASH = {
    "efface": (
        "Les données de la personne ont été effacées. Il en reste la trace anonyme ci-dessous.",
        "success",
    )
}
CONFIRMATION_MISSING = "Cochez la case pour confirmer l'effacement définitif."


def when(moment: datetime, tz: ZoneInfo) -> str:
    """'jeudi 3 décembre 2026 à 14h30' in the organisation's time zone."""
    date_label, time_label = format_slot_label(moment, tz)
    return f"{date_label} {moment.astimezone(tz).year} à {time_label}".replace(" aout ", " août ")


def _require_admin(user: ConsoleUser, organisation_id: int) -> None:
    if user.principal.roles.get(organisation_id) != "admin":
        raise PageError(
            403,
            "Accès refusé",
            "Seul un administrateur de l'organisation peut effacer les données d'une personne.",
        )


def _audit(session: Session, user: ConsoleUser, action: str, organisation_id: int, **fields) -> None:
    accounts_service.record_audit(
        session,
        user_id=user.user_id,
        action=action,
        organisation_id=organisation_id,
        ip=user.principal.ip,
        now=utcnow(),
        **fields,
    )


# --------------------------------------------------------------------------- export


@router.get("/beneficiaires/{beneficiary_id}/export")
def export(beneficiary_id: int, session: SessionDep, user: CurrentConsoleUser) -> Response:
    """The person's data as a JSON file to hand them (right of access); audited."""
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    data = export_person(session, beneficiary)
    _audit(
        session,
        user,
        "beneficiary.export",
        beneficiary.organisation_id,
        beneficiary_id=beneficiary.id,
        detail="console",
    )
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    disposition = f'attachment; filename="{export_filename(beneficiary.id)}"'
    return harden(Response(body, media_type="application/json", headers={"Content-Disposition": disposition}))


# --------------------------------------------------------------------------- erasure


@dataclass
class Upcoming:
    when: str
    motif: str
    place: str


def _upcoming(session: Session, beneficiary: Beneficiary, tz: ZoneInfo) -> list[Upcoming]:
    """The person's booked appointments still to come: cancelled without telling them."""
    rows = session.execute(
        select(Slot.start, Motif.name, Place.name)
        .select_from(Appointment)
        .join(Slot, Appointment.slot_id == Slot.id)
        .join(Motif, Slot.motif_id == Motif.id)
        .join(Place, Slot.place_id == Place.id)
        .where(
            Appointment.beneficiary_id == beneficiary.id,
            Appointment.status == "unknown",
            Slot.start > utcnow(),
        )
        .order_by(Slot.start)
    )
    return [Upcoming(when(start, tz), motif, place) for start, motif, place in rows]


def _erase_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    beneficiary: Beneficiary,
    *,
    status_code: int = 200,
    error: str = "",
    conflict: str = "",
) -> Response:
    organisation = session.get(Organisation, beneficiary.organisation_id)
    assert organisation is not None
    tz = organisation.zone
    counts = erasure.footprint(session, beneficiary=beneficiary, now=utcnow()).counts()
    context = {
        "nav": "beneficiaires",
        "person": beneficiary,
        "name": views.full_name(beneficiary),
        "phone": views.display_phone(beneficiary.phone),
        "organisation": organisation,
        "rows": [(key, REMOVED_LABELS[key], count) for key, count in counts.items()],
        "upcoming": _upcoming(session, beneficiary, tz),
        "error": error,
        "conflict": conflict,
    }
    return page(request, user, "effacer.html", context, status_code=status_code)


@router.get("/beneficiaires/{beneficiary_id}/effacer", response_class=HTMLResponse)
def confirm_erasure(
    beneficiary_id: int, request: Request, session: SessionDep, user: CurrentConsoleUser
) -> Response:
    """What an erasure would delete, with the form that confirms it (admins)."""
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    _require_admin(user, beneficiary.organisation_id)
    return _erase_page(request, session, user, beneficiary)


@router.post("/beneficiaires/{beneficiary_id}/effacer", response_class=HTMLResponse)
def erase(
    beneficiary_id: int,
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    csrf_token: Annotated[str, Form()] = "",
    confirmation: Annotated[str, Form()] = "",
) -> Response:
    """Erase the person (right to erasure): what is left is the anonymous trace."""
    user.check_csrf(csrf_token)
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    _require_admin(user, beneficiary.organisation_id)
    if confirmation != "oui":
        return _erase_page(request, session, user, beneficiary, status_code=422, error=CONFIRMATION_MISSING)
    try:
        now = utcnow()
        record = erasure.erase_person(session, beneficiary, reason="request", user_id=user.user_id, now=now)
    except Conflict:
        conflict = (
            "Un import de fichier en cours contient le numéro de cette personne : effacez ses données "
            "une fois l'import terminé, sinon il la recréerait."
        )
        return _erase_page(request, session, user, beneficiary, status_code=409, conflict=conflict)
    _audit(session, user, "beneficiary.erase", record.organisation_id, detail=f"console: erasure {record.id}")
    # A background task runs once the session is committed and the answer sent.
    forget = BackgroundTask(forget_conversations, [beneficiary_id], settings=get_settings())
    return harden(RedirectResponse("/console/effacements?ok=efface", status_code=303, background=forget))


# --------------------------------------------------------------------------- erasure log


@dataclass
class ErasureRow:
    record: ErasureRecord
    when: str
    organisation: str
    reason: str
    by: str
    removed: list[tuple[str, int]]


@router.get("/effacements", response_class=HTMLResponse)
def erasures(request: Request, session: SessionDep, user: CurrentConsoleUser) -> Response:
    """The erasures of the organisations the user is an admin of, newest first."""
    organisation_ids = user.principal.admin_organisation_ids
    if not organisation_ids:
        raise PageError(403, "Accès refusé", "Le journal des effacements est réservé aux administrateurs.")
    organisations = {
        organisation.id: organisation
        for organisation in session.scalars(select(Organisation).where(Organisation.id.in_(organisation_ids)))
    }
    found = session.execute(
        select(ErasureRecord, User.email)
        .outerjoin(User, ErasureRecord.erased_by_user_id == User.id)
        .where(ErasureRecord.organisation_id.in_(organisation_ids))
        .order_by(ErasureRecord.id.desc())
        .limit(MAX_LISTED)
    )
    rows = []
    for record, email in found:
        organisation = organisations[record.organisation_id]
        rows.append(
            ErasureRow(
                record=record,
                when=when(record.erased_at, organisation.zone),
                organisation=organisation.name,
                reason=REASONS.get(record.reason, record.reason),
                by=email or "Traitement automatique",
                removed=[
                    (REMOVED_LABELS.get(key, key), count)
                    for key, count in record.removed.items()
                    if count and key != "beneficiaries"
                ],
            )
        )
    context = {
        "nav": "beneficiaires",
        "rows": rows,
        "max_listed": MAX_LISTED,
        "several_organisations": len(organisation_ids) > 1,
        "retention_months": get_settings().retention_months,
        "flash": FLASH.get(request.query_params.get("ok", "")),
    }
    return page(request, user, "effacements.html", context)
