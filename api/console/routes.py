"""The professionals' console: server-rendered pages in French, styled with the DSFR.

Every page needs a console session (api/console/login.py); forms post the session's CSRF
token. A professional sees only their organisations' people and queue entries: another
organisation's id is 404, as on the REST API. Reading a carnet writes `carnet.read` to the
audit log, as `GET /api/beneficiaries/{id}/carnet` does.
"""

from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.appointments.followup import followup_status
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.carnet.models import CarnetEntry
from api.console import labels, orientation_pages, views
from api.console.followers_panel import followers_panel
from api.console.rendering import harden, page
from api.console.session import (
    LOGIN_URL,
    ConsoleUser,
    CurrentConsoleUser,
    LoginRequired,
    PageError,
    audit_person,
    member_beneficiary,
    not_found,
)
from api.console.static import mount_static
from api.db import utcnow
from api.deps import SessionDep
from api.handoffs import service as handoff_service
from api.handoffs.models import HandoffRequest
from api.messaging import outbox
from api.messaging.segments import count_segments, to_gsm7
from api.organisations.models import Organisation
from api.text_safety import ascii_int

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

MAX_MESSAGE_SEGMENTS = 3
MAX_NOTE_LENGTH = 4000
FLASH = {  # ?ok=... after a form: (text, DSFR alert type)
    "message": ("Message enregistré : il part dans la file d'envoi.", "success"),
    "note": ("Note ajoutée au carnet.", "success"),
    "pris": ("Vous vous occupez de cette demande.", "success"),
    "deja-pris": ("Quelqu'un d'autre s'occupe déjà de cette demande.", "info"),
    "clos": ("Demande close.", "success"),
    "deja-clos": ("Cette demande était déjà close.", "info"),
    "partage-donne": ("Accord de partage noté.", "success"),
    "partage-retire": ("Accord retiré : les autres structures ne voient plus ses mots.", "success"),
    "partage-inchange": ("L'accord de partage était déjà dans cet état.", "info"),
    "partage-demande": ("Question envoyée par SMS : sa réponse OUI ou NON sera notée ici.", "success"),
    "partage-non-demande": ("Question non envoyée : la personne a répondu STOP.", "error"),
    "orientation-envoyee": ("Demande d'orientation envoyée à la structure.", "success"),
}


def install_console(app: FastAPI) -> None:
    """The console's pages, its assets, and its two answers: 303 to log in, HTML error pages."""
    from api.console import (
        agenda_pages,
        figures_pages,
        import_pages,
        plage_pages,
        privacy_pages,
        rendez_vous_pages,
        shared_carnet_pages,
        sharing_pages,
    )

    mount_static(app)
    app.include_router(router)
    pages = (agenda_pages, plage_pages, rendez_vous_pages, figures_pages, import_pages, privacy_pages)
    for area in (*pages, sharing_pages, shared_carnet_pages, orientation_pages):
        app.include_router(area.router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        accept = request.headers.get("accept", "")
        if accept and "text/html" not in accept and "*/*" not in accept:
            # A script, not a browser: no redirection to follow, a plain 401.
            return harden(JSONResponse({"detail": "session expirée ou absente"}, status_code=401))
        return harden(RedirectResponse(LOGIN_URL, status_code=303))

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        context = {"title": exc.title, "message": exc.message, "status": exc.status_code, "nav": ""}
        return page(request, None, "erreur.html", context, status_code=exc.status_code)


# --------------------------------------------------------------------------- helpers


def _time_zone(session: Session, organisation_id: int | None) -> ZoneInfo:
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    return organisation.zone if organisation is not None else views.DEFAULT_TZ


# --------------------------------------------------------------------------- beneficiaries


@router.get("/beneficiaires", response_class=HTMLResponse)
def beneficiaries(
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    q: str = "",
    statut: str = "",
    frein: str = "",
    humain: str = "",
    page_number: Annotated[str, Query(alias="page")] = "1",
) -> Response:
    statut = statut if statut in labels.FOLLOWUP_STATUSES else ""
    frein = frein if frein in labels.BARRIER_GROUPS else ""
    needs_human = humain == "1"
    listing = views.list_beneficiaries(
        session,
        organisation_ids=user.principal.organisation_ids,
        search=q[:100],
        status=statut,
        barrier_group=frein,
        needs_human=needs_human,
        page=ascii_int(page_number) or 1,
        now=utcnow(),
    )
    if frein:
        # Who has which barrier is sensitive: as GET /api/barriers, one audit line per person shown.
        for row in listing.rows:
            audit_person(session, user, "barriers.read", row.beneficiary, f"console: frein {frein}")
    filters = {"q": q, "statut": statut, "frein": frein, "humain": "1" if needs_human else ""}
    kept = {key: value for key, value in filters.items() if value}

    def page_url(number: int) -> str:
        return "/console/beneficiaires?" + urlencode({**kept, "page": number})

    context = {
        "nav": "beneficiaires",
        "listing": listing,
        "filters": filters,
        "filtered": bool(kept),
        "statuses": labels.FOLLOWUP_STATUSES,
        "groups": labels.BARRIER_GROUPS,
        "page_url": page_url,
        "several_organisations": len(user.principal.organisation_ids) > 1,
    }
    return page(request, user, "beneficiaires.html", context)


def _carnet_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    beneficiary: Beneficiary,
    *,
    status_code: int = 200,
    message_error: str = "",
    message_text: str = "",
    note_error: str = "",
    note_text: str = "",
) -> Response:
    audit_person(session, user, "carnet.read", beneficiary, "console")
    organisation = session.get(Organisation, beneficiary.organisation_id)
    assert organisation is not None
    tz = organisation.zone
    status = followup_status(session, beneficiary_id=beneficiary.id, now=utcnow())
    waiting = session.scalar(
        select(HandoffRequest)
        .where(
            HandoffRequest.beneficiary_id == beneficiary.id,
            HandoffRequest.state.in_(handoff_service.ACTIVE_STATES),
        )
        .order_by(HandoffRequest.id)
        .limit(1)
    )
    context = {
        "nav": "beneficiaires",
        "person": beneficiary,
        "name": views.full_name(beneficiary),
        "phone": views.display_phone(beneficiary.phone),
        "organisation": organisation,
        "status": labels.FOLLOWUP_STATUSES[status],
        "channel": labels.CHANNELS.get(beneficiary.preferred_channel, beneficiary.preferred_channel),
        "items": views.timeline(session, beneficiary=beneficiary, tz=tz),
        "followers": followers_panel(session, beneficiary=beneficiary, tz=tz),
        "orientations": orientation_pages.person_panel(session, beneficiary=beneficiary, tz=tz),
        "waiting": waiting,
        "waiting_reason": labels.HANDOFF_REASONS.get(waiting.reason, waiting.reason) if waiting else "",
        "refusal": _refusal(beneficiary),
        "flash": FLASH.get(request.query_params.get("ok", "")),
        "message_error": message_error,
        "message_text": message_text,
        "note_error": note_error,
        "note_text": note_text,
        "max_segments": MAX_MESSAGE_SEGMENTS,
    }
    return page(request, user, "carnet.html", context, status_code=status_code)


def _refusal(beneficiary: Beneficiary) -> str:
    """Why no message can be sent to this person, or ''."""
    if beneficiary.opted_out:
        return (
            "Cette personne a demandé à ne plus recevoir de messages (STOP) : aucun message ne peut "
            "lui être envoyé. Elle peut se réinscrire en répondant START."
        )
    if beneficiary.phone_problem and beneficiary.preferred_channel == "sms":
        return (
            f"Ce numéro ne peut pas recevoir de SMS ({beneficiary.phone_problem}) : appelez la personne "
            "ou corrigez son numéro."
        )
    return ""


@router.get("/beneficiaires/{beneficiary_id}", response_class=HTMLResponse)
def carnet(beneficiary_id: int, request: Request, session: SessionDep, user: CurrentConsoleUser) -> Response:
    return _carnet_page(request, session, user, member_beneficiary(session, user, beneficiary_id))


@router.post("/beneficiaires/{beneficiary_id}/messages", response_class=HTMLResponse)
def write_message(
    beneficiary_id: int,
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    body: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """A professional's message to the person: through the same outbox as the assistant's."""
    user.check_csrf(csrf_token)
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    text = body.strip()
    refusal = _refusal(beneficiary)
    error = ""
    if refusal:
        error, status_code = refusal, 409
    elif not text:
        error, status_code = "Écrivez le message à envoyer.", 422
    elif count_segments(to_gsm7(text)).segments > MAX_MESSAGE_SEGMENTS:
        error = f"Ce message ferait plus de {MAX_MESSAGE_SEGMENTS} SMS : raccourcissez-le."
        status_code = 422
    if error:
        return _carnet_page(
            request,
            session,
            user,
            beneficiary,
            status_code=status_code,
            message_error=error,
            message_text=body[:2000],
        )
    message = outbox.enqueue(
        session, beneficiary=beneficiary, body=text, kind="professional", author="professional"
    )
    entry = session.scalar(select(CarnetEntry).where(CarnetEntry.outbox_message_id == message.id))
    if entry is not None:  # who wrote it, shown in the timeline
        entry.data = {**entry.data, "user_id": user.user_id}
        session.flush()
    anchor = f"#entree-{entry.id}" if entry is not None else ""
    return harden(RedirectResponse(f"/console/beneficiaires/{beneficiary.id}?ok=message{anchor}", 303))


@router.post("/beneficiaires/{beneficiary_id}/notes", response_class=HTMLResponse)
def add_note(
    beneficiary_id: int,
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    body: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """A note in the carnet, seen by the organisation's professionals only (never sent)."""
    user.check_csrf(csrf_token)
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    text = body.strip()
    error = ""
    if not text:
        error = "Écrivez la note."
    elif len(text) > MAX_NOTE_LENGTH:
        error = f"Une note fait au plus {MAX_NOTE_LENGTH} caractères."
    if error:
        return _carnet_page(
            request, session, user, beneficiary, status_code=422, note_error=error, note_text=body[:5000]
        )
    entry = carnet_service.add_entry(
        session,
        beneficiary_id=beneficiary.id,
        kind="note",
        author="professional",
        body=text,
        data={"user_id": user.user_id},
    )
    return harden(RedirectResponse(f"/console/beneficiaires/{beneficiary.id}?ok=note#entree-{entry.id}", 303))


# --------------------------------------------------------------------------- queue


@router.get("/file", response_class=HTMLResponse)
def queue(
    request: Request, session: SessionDep, user: CurrentConsoleUser, vue: str = "a-traiter"
) -> Response:
    view = vue if vue in views.QUEUE_VIEWS else "a-traiter"
    context = {
        "nav": "file",
        "view": view,
        "views": views.QUEUE_VIEWS,
        "counts": views.queue_counts(session, user=user.principal),
        "rows": views.list_queue(session, user=user.principal, view=view),
        "flash": FLASH.get(request.query_params.get("ok", "")),
    }
    return page(request, user, "file.html", context)


def _queue_entry(session: Session, user: ConsoleUser, request_id: int) -> HandoffRequest:
    entry = handoff_service.find_visible(session, user=user.principal, request_id=request_id)
    if entry is None:
        raise not_found()
    return entry


def _back_to_queue(view: str, flash: str) -> Response:
    view = view if view in views.QUEUE_VIEWS else "a-traiter"
    return harden(RedirectResponse(f"/console/file?{urlencode({'vue': view, 'ok': flash})}", 303))


@router.post("/file/{request_id}/prendre")
def take(
    request_id: int,
    session: SessionDep,
    user: CurrentConsoleUser,
    csrf_token: Annotated[str, Form()] = "",
    vue: Annotated[str, Form()] = "a-traiter",
) -> Response:
    """ "Je m'en occupe": the entry is the caller's (first come, first served)."""
    user.check_csrf(csrf_token)
    entry = _queue_entry(session, user, request_id)
    taken = handoff_service.take_request(session, request=entry, user_id=user.user_id, now=utcnow())
    return _back_to_queue("moi" if taken else vue, "pris" if taken else "deja-pris")


@router.post("/file/{request_id}/clore")
def close(
    request_id: int,
    session: SessionDep,
    user: CurrentConsoleUser,
    csrf_token: Annotated[str, Form()] = "",
    vue: Annotated[str, Form()] = "a-traiter",
) -> Response:
    """ "Clore": the person needs nothing more from a human for now."""
    user.check_csrf(csrf_token)
    entry = _queue_entry(session, user, request_id)
    closed = handoff_service.close_request(session, request=entry, user_id=user.user_id, now=utcnow())
    return _back_to_queue(vue, "clos" if closed else "deja-clos")
