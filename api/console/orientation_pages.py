"""The console's orientation requests (docs/orientations.md): from a person's carnet, search the
catalogue by theme near their commune and send a request; the structures' received and sent
requests (`/console/orientations`), answered there; and the page where a structure without an
account answers through the link of its mail (`/orientations/reponse/<secret>`, no login).

As on the REST API: a request is answered only by a member of the structure that received it;
another organisation's id is 404, as a missing one.
"""

from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.console import views
from api.console.rendering import harden, page
from api.console.session import ConsoleUser, CurrentConsoleUser, member_beneficiary, not_found
from api.db import utcnow
from api.deps import SessionDep
from api.errors import AppError
from api.offers import matching
from api.organisations.models import Organisation
from api.orientations import access, service
from api.orientations.models import OrientationRequest
from api.text_safety import ascii_int

router = APIRouter(tags=["console"], include_in_schema=False)

THEMES = {  # the groups a professional searches by (api/offers/matching.py)
    "mobilite": "Mobilité",
    "permis": "Permis de conduire",
    "garde_enfants": "Garde d'enfants",
    "logement": "Logement, hébergement",
    "sante": "Santé",
    "numerique": "Numérique",
}
STATES = {
    "open": ("En attente", "fr-badge--info"),
    "accepted": ("Acceptée", "fr-badge--success"),
    "refused": ("Refusée", "fr-badge--error"),
    "expired": ("Expirée", "fr-badge--new"),
}
FLASH = {
    "acceptee": ("Demande acceptée : la personne est prévenue par SMS.", "success"),
    "refusee": ("Demande refusée : la structure qui l'a envoyée le voit dans le carnet.", "success"),
    "deja-traitee": ("Cette demande a déjà une réponse, ou a expiré.", "info"),
}


@dataclass(frozen=True)
class OrientationRow:
    request: OrientationRequest
    person: str
    sent_on: str
    state: tuple[str, str]
    sender: str
    to: str
    theme: str
    reminded: bool


def rows_of(session: Session, requests: list[OrientationRequest], tz: ZoneInfo) -> list[OrientationRow]:
    names = {o.id: o.name for o in session.query(Organisation).all()} if requests else {}
    rows = []
    for request in requests:
        person = session.get(Beneficiary, request.beneficiary_id)
        rows.append(
            OrientationRow(
                request=request,
                person=views.full_name(person) if person else "",
                sent_on=f"{request.created_at.astimezone(tz):%d/%m/%Y}",
                state=STATES[request.state],
                sender=names.get(request.from_organisation_id, ""),
                to=names.get(request.to_organisation_id or 0, "") or request.to_email or "",
                theme=matching.theme_labels().get(request.theme, THEMES.get(request.theme, request.theme)),
                reminded=request.reminded_at is not None and request.state == "open",
            )
        )
    return rows


def person_panel(session: Session, *, beneficiary: Beneficiary, tz: ZoneInfo) -> list[OrientationRow]:
    """The carnet page's list of the person's requests."""
    return rows_of(session, service.for_person(session, beneficiary_id=beneficiary.id), tz)


# --------------------------------------------------------------------------- from the carnet


def _search_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    beneficiary: Beneficiary,
    theme: str,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    candidates = service.search_services(session, beneficiary=beneficiary, theme=theme) if theme else []
    context = {
        "nav": "beneficiaires",
        "person": beneficiary,
        "name": views.full_name(beneficiary),
        "themes": THEMES,
        "theme": theme,
        "candidates": candidates,
        "error": error,
    }
    return page(request, user, "orientation_recherche.html", context, status_code=status_code)


@router.get("/console/beneficiaires/{beneficiary_id}/orientation", response_class=HTMLResponse)
def search(
    beneficiary_id: int, request: Request, session: SessionDep, user: CurrentConsoleUser, theme: str = ""
) -> Response:
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    return _search_page(request, session, user, beneficiary, theme if theme in THEMES else "")


@router.post("/console/beneficiaires/{beneficiary_id}/orientations", response_class=HTMLResponse)
def send(
    beneficiary_id: int,
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    csrf_token: Annotated[str, Form()] = "",
    service_id: Annotated[str, Form()] = "",
    theme: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    user.check_csrf(csrf_token)
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    theme = theme if theme in THEMES else ""
    if not reason.strip():
        error = "Dites en quelques mots pourquoi vous orientez la personne vers ce service."
        return _search_page(request, session, user, beneficiary, theme, error=error, status_code=422)
    if len(reason.strip()) > 500:
        error = "Le motif fait au plus 500 caractères."
        return _search_page(request, session, user, beneficiary, theme, error=error, status_code=422)
    try:
        sent = service.send_request(
            session,
            beneficiary=beneficiary,
            from_organisation_id=beneficiary.organisation_id,
            user_id=user.user_id,
            service_id=ascii_int(service_id) or 0,
            theme=theme or "-",
            reason=reason,
            now=utcnow(),
        )
    except AppError as refused:
        messages = {
            404: "Ce service n'est plus dans le catalogue.",
            409: "Une demande vers ce service est déjà en attente pour cette personne.",
            422: "Ce service ne peut pas recevoir de demande pour cette personne.",
        }
        code = refused.status_code if refused.status_code in messages else 422
        return _search_page(
            request, session, user, beneficiary, theme, error=messages[code], status_code=code
        )
    url = f"/console/beneficiaires/{beneficiary.id}?ok=orientation-envoyee#orientation-{sent.id}"
    return harden(RedirectResponse(url, 303))


# --------------------------------------------------------------------------- received and sent


@router.get("/console/orientations", response_class=HTMLResponse)
def boxes(request: Request, session: SessionDep, user: CurrentConsoleUser) -> Response:
    organisations = user.principal.organisation_ids
    tz = views.DEFAULT_TZ
    received = service.for_organisations(session, organisation_ids=organisations, box="received")
    for row in received:
        access.record_received(session, user.principal, row, "orientation.list_received")
    sent = service.for_organisations(session, organisation_ids=organisations, box="sent")
    context = {
        "nav": "orientations",
        "received": rows_of(session, received, tz),
        "sent": rows_of(session, sent, tz),
        "flash": FLASH.get(request.query_params.get("ok", "")),
    }
    return page(request, user, "orientations.html", context)


@router.post("/console/orientations/{orientation_id}/reponse")
def answer(
    orientation_id: int,
    session: SessionDep,
    user: CurrentConsoleUser,
    csrf_token: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """`action=accepter` or `refuser` (with a reason), by a member of the receiving structure."""
    user.check_csrf(csrf_token)
    request = session.get(OrientationRequest, orientation_id)
    if request is None or not user.principal.is_member(request.to_organisation_id):
        raise not_found()
    if action not in ("accepter", "refuser"):
        raise AppError(422, "action must be accepter or refuser")
    try:
        service.answer(
            session,
            request=request,
            accept=action == "accepter",
            reason=reason[:500],
            user_id=user.user_id,
            now=utcnow(),
        )
    except AppError as refused:
        if refused.status_code == 409:
            return harden(RedirectResponse("/console/orientations?ok=deja-traitee", 303))
        raise
    access.record_received(
        session, user.principal, request, f"orientation.{'accept' if action == 'accepter' else 'refuse'}"
    )
    outcome = "acceptee" if action == "accepter" else "refusee"
    return harden(RedirectResponse(f"/console/orientations?ok={outcome}", 303))


# --------------------------------------------------------------------------- by the mail's link


def _answer_page(request: Request, session: Session, token: str, *, error: str = "", status_code: int = 200):
    found = service.by_token(session, token=token)
    person = service.person_of(session, found)
    sender = session.get(Organisation, found.from_organisation_id)
    context = {
        "nav": "",
        "orientation": found,
        "token": token,
        "first_name": person.first_name or "",
        "initial": (person.last_name or "")[:1],
        # Once it accepted, the structure gets the person's number to take them on.
        "phone": views.display_phone(person.phone) if found.state == "accepted" else "",
        "sender": sender.name if sender else "",
        "theme": matching.theme_labels().get(found.theme, found.theme),
        "state": STATES[found.state],
        "error": error,
    }
    return page(request, None, "orientation_reponse.html", context, status_code=status_code)


@router.get("/orientations/reponse/{token}", response_class=HTMLResponse)
def answer_by_link(token: str, request: Request, session: SessionDep) -> Response:
    try:
        return _answer_page(request, session, token[:100])
    except AppError:
        raise not_found() from None


@router.post("/orientations/reponse/{token}", response_class=HTMLResponse)
def answer_by_link_post(
    token: str,
    request: Request,
    session: SessionDep,
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The link's secret is the credential (and, unknown to another site, the CSRF protection)."""
    try:
        found = service.by_token(session, token=token[:100])
    except AppError:
        raise not_found() from None
    if action not in ("accepter", "refuser"):
        return _answer_page(
            request, session, token, error="Choisissez d'accepter ou de refuser.", status_code=422
        )
    if action == "refuser" and not reason.strip():
        return _answer_page(request, session, token, error="Dites pourquoi vous refusez.", status_code=422)
    try:
        service.answer(
            session,
            request=found,
            accept=action == "accepter",
            reason=reason[:500],
            user_id=None,
            now=utcnow(),
        )
    except AppError as refused:
        if refused.status_code != 409:
            raise
    return harden(RedirectResponse(f"/orientations/reponse/{token}", 303))
