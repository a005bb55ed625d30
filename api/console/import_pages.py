"""Console pages. CSV import of beneficiaries (column mapping, progress) and bulk invitation.

Import: upload (a draft) -> choose the columns, with a preview whose phone numbers are masked ->
the import runs in the background -> its page shows the progress (it reloads itself every 2
seconds through the `Refresh` header while the import runs, no JavaScript) then the report.
Bulk invitation: people ticked on the beneficiaries list -> choose the motif (and the place) ->
each person invited, or told why not. Any member of the organisation may do both; another
organisation's import or person is 404, as a missing one.
"""

from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, BackgroundTasks, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda.models import Motif, Place
from api.agenda.slot_choice import format_slot_label
from api.appointments.followup import followup_statuses
from api.beneficiaries import csv_file, csv_import
from api.beneficiaries.models import Beneficiary, BeneficiaryImport
from api.console import labels, views
from api.console.rendering import harden, page
from api.console.session import ConsoleUser, CurrentConsoleUser, PageError, not_found
from api.db import utcnow
from api.deps import SessionDep
from api.errors import NotFound
from api.invitations import bulk
from api.organisations.models import Organisation
from api.text_safety import ascii_int

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "docs" / "exemple-import.csv"
PREVIEW_ROWS = 5
FLASH = {
    "lance": ("Import lancé : les lignes sont traitées en arrière-plan.", "success"),
    "abandonne": ("Import abandonné : le fichier a été supprimé.", "info"),
}
STATUSES = {  # import status -> (French label, DSFR badge)
    "draft": ("Colonnes à choisir", "fr-badge--warning"),
    "pending": ("En attente", "fr-badge--info"),
    "running": ("En cours", "fr-badge--info"),
    "done": ("Terminé", "fr-badge--success"),
    "failed": ("Échec", "fr-badge--error"),
    "cancelled": ("Abandonné", "fr-badge--new"),
}


# --------------------------------------------------------------------------- helpers


def _organisations(session: Session, user: ConsoleUser) -> list[Organisation]:
    query = select(Organisation).where(Organisation.id.in_(user.principal.organisation_ids))
    return list(session.scalars(query.order_by(Organisation.name, Organisation.id)))


def _job(session: Session, user: ConsoleUser, import_id: int) -> BeneficiaryImport:
    job = session.get(BeneficiaryImport, import_id)
    if job is None or not user.principal.is_member(job.organisation_id):
        raise not_found()
    return job


def _when(session: Session, moment, organisation_id: int) -> str:
    """ "jeudi 3 décembre à 14h30", in the organisation's time zone."""
    if moment is None:
        return ""
    organisation = session.get(Organisation, organisation_id)
    tz = organisation.zone if organisation is not None else views.DEFAULT_TZ
    day, hour = format_slot_label(moment, tz)
    year = moment.astimezone(tz).year
    return f"{day}{f' {year}' if year != utcnow().astimezone(tz).year else ''} à {hour}"


def _to_progress(job: BeneficiaryImport, flash: str = "") -> Response:
    suffix = f"?ok={flash}" if flash else ""
    return harden(RedirectResponse(f"/console/imports/{job.id}{suffix}", status_code=303))


# --------------------------------------------------------------------------- upload


def _imports_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    *,
    error: str = "",
    organisation_error: str = "",
    chosen_organisation: str = "",
    status_code: int = 200,
) -> Response:
    organisations = _organisations(session, user)
    jobs = csv_import.list_imports(session, organisation_ids=[o.id for o in organisations])
    names = {o.id: o.name for o in organisations}
    context = {
        "nav": "imports",
        "organisations": organisations,
        "chosen_organisation": chosen_organisation,
        "jobs": [
            {
                "job": job,
                "when": _when(session, job.created_at, job.organisation_id),
                "organisation": names.get(job.organisation_id, ""),
                "status": STATUSES.get(job.status, (job.status, "")),
            }
            for job in jobs
        ],
        "error": error,
        "organisation_error": organisation_error,
        "flash": FLASH.get(request.query_params.get("ok", "")),
        "max_mb": csv_file.max_megabytes(),
        "max_rows": f"{csv_file.MAX_ROWS:,}".replace(",", " "),
    }
    return page(request, user, "imports.html", context, status_code=status_code)


@router.get("/imports", response_class=HTMLResponse)
def imports(request: Request, session: SessionDep, user: CurrentConsoleUser) -> Response:
    return _imports_page(request, session, user)


@router.get("/imports/exemple.csv")
def example_file(user: CurrentConsoleUser) -> Response:
    """A sample file (fictional numbers) to start from."""
    response = FileResponse(
        EXAMPLE_FILE, media_type="text/csv; charset=utf-8", filename="exemple-import-beneficiaires.csv"
    )
    return harden(response)


@router.post("/imports", response_class=HTMLResponse)
def upload(
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    # A browser sends an empty string when no file was chosen.
    fichier: Annotated[UploadFile | str | None, File()] = None,
    organisation_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Store the file as a draft and go choose its columns."""
    user.check_csrf(csrf_token)
    organisations = _organisations(session, user)
    if not organisations:
        raise PageError(403, "Accès refusé", "Vous n'êtes membre d'aucune organisation.")
    if len(organisations) == 1 and not organisation_id:
        organisation_id = str(organisations[0].id)
    if ascii_int(organisation_id) not in {o.id for o in organisations}:
        if organisation_id:
            raise not_found()
        return _imports_page(
            request,
            session,
            user,
            organisation_error="Choisissez l'organisation des personnes.",
            status_code=422,
        )
    if fichier is None or isinstance(fichier, str) or not fichier.filename:
        return _imports_page(
            request,
            session,
            user,
            error="Choisissez un fichier CSV.",
            chosen_organisation=organisation_id,
            status_code=422,
        )
    raw = fichier.file.read(csv_file.max_bytes() + 1)
    try:
        if len(raw) > csv_file.max_bytes():
            raise csv_file.too_large()
        job = csv_import.create_import(
            session,
            organisation_id=int(organisation_id),
            filename=fichier.filename,
            raw=raw,
            user_id=user.user_id,
            draft=True,
        )
    except csv_file.FileRefused as exc:
        return _imports_page(
            request,
            session,
            user,
            error=exc.detail,
            chosen_organisation=organisation_id,
            status_code=exc.status_code,
        )
    return harden(RedirectResponse(f"/console/imports/{job.id}/colonnes", status_code=303))


# --------------------------------------------------------------------------- columns


def _columns_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    job: BeneficiaryImport,
    mapping: dict[str, str],
    *,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    stored = csv_import.table(job)
    width = len(stored.headers)
    preview = [
        [csv_file.mask_cell(csv_file.clean(cell)) for cell in (cells + [""] * width)[:width]]
        for _row, cells in stored.rows[:PREVIEW_ROWS]
    ]
    problems = problems or {}
    context = {
        "nav": "imports",
        "job": job,
        "headers": stored.headers,
        "preview": preview,
        "fields": [
            (name, label, mapping.get(name, ""), problems.get(name, ""), name in csv_file.REQUIRED)
            for name, label in csv_file.FIELDS.items()
        ],
        "general_problem": problems.get("", ""),
        "has_problems": bool(problems),
    }
    return page(request, user, "import_colonnes.html", context, status_code=status_code)


@router.get("/imports/{import_id}/colonnes", response_class=HTMLResponse)
def columns(import_id: int, request: Request, session: SessionDep, user: CurrentConsoleUser) -> Response:
    job = _job(session, user, import_id)
    if job.status != "draft":
        return _to_progress(job)
    return _columns_page(request, session, user, job, job.mapping)


@router.post("/imports/{import_id}/colonnes", response_class=HTMLResponse)
def confirm_columns(
    import_id: int,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: CurrentConsoleUser,
    csrf_token: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    first_name: Annotated[str, Form()] = "",
    last_name: Annotated[str, Form()] = "",
    code_insee: Annotated[str, Form()] = "",
    preferred_channel: Annotated[str, Form()] = "",
) -> Response:
    """Start the import with these columns; it runs after this answer, in the background."""
    user.check_csrf(csrf_token)
    job = _job(session, user, import_id)
    if job.status != "draft":
        return _to_progress(job)
    chosen = {
        "phone": phone,
        "first_name": first_name,
        "last_name": last_name,
        "code_insee": code_insee,
        "preferred_channel": preferred_channel,
    }
    mapping = {name: header for name, header in chosen.items() if header}
    try:
        csv_import.start_import(session, job=job, mapping=mapping)
    except csv_import.MappingRefused as exc:
        return _columns_page(request, session, user, job, mapping, problems=exc.problems, status_code=422)
    background.add_task(csv_import.run_import, job.id)
    return _to_progress(job, "lance")


@router.post("/imports/{import_id}/abandon")
def abandon(
    import_id: int, session: SessionDep, user: CurrentConsoleUser, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Give up a file before its import starts: it is deleted."""
    user.check_csrf(csrf_token)
    job = _job(session, user, import_id)
    if job.status != "draft":
        return _to_progress(job)
    csv_import.cancel_import(session, job=job, now=utcnow())
    return harden(RedirectResponse("/console/imports?ok=abandonne", status_code=303))


# --------------------------------------------------------------------------- progress and report


@router.get("/imports/{import_id}", response_class=HTMLResponse)
def progress(import_id: int, request: Request, session: SessionDep, user: CurrentConsoleUser) -> Response:
    job = _job(session, user, import_id)
    running = job.status in csv_import.ACTIVE
    unchanged = job.processed_rows - job.created_count - job.updated_count - job.error_count
    context = {
        "nav": "imports",
        "job": job,
        "status": STATUSES.get(job.status, (job.status, "")),
        "running": running,
        "percent": job.processed_rows * 100 // job.total_rows if job.total_rows else 100,
        "unchanged": max(unchanged, 0),
        "created_at": _when(session, job.created_at, job.organisation_id),
        "finished_at": _when(session, job.finished_at, job.organisation_id),
        "mapping": [(label, job.mapping.get(name)) for name, label in csv_file.FIELDS.items()],
        "errors": job.errors or [],
        "errors_cut": len(job.errors or []) >= csv_import.MAX_REPORTED_ERRORS,
        "flash": FLASH.get(request.query_params.get("ok", "")),
    }
    response = page(request, user, "import_suivi.html", context)
    if running:
        # The browser reloads the page (without the flash): progress without JavaScript.
        response.headers["Refresh"] = f"2; url=/console/imports/{job.id}"
    return response


# --------------------------------------------------------------------------- bulk invitation


def _back_to_list(retour: str) -> str:
    """The beneficiaries list with the filters it had (only a query string is kept)."""
    query = urlencode(parse_qsl(retour[:500]))
    return "/console/beneficiaires" + (f"?{query}" if query else "")


def _people(session: Session, user: ConsoleUser, ids: list[str]) -> list[Beneficiary]:
    numbers = [ascii_int(value) for value in ids]
    if None in numbers:
        raise not_found()
    try:
        return bulk.select_people(
            session,
            ids=[number for number in numbers if number is not None],
            organisation_ids=user.principal.organisation_ids,
        )
    except NotFound:
        raise not_found() from None


def _selection_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    people: list[Beneficiary],
    retour: str,
    *,
    motif_error: str = "",
    motif_id: str = "",
    place_id: str = "",
    status_code: int = 200,
) -> Response:
    now = utcnow()
    statuses = followup_statuses(session, beneficiary_ids=[p.id for p in people], now=now)
    organisation_ids = sorted({p.organisation_id for p in people})
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(organisation_ids))
        )
        .tuples()
        .all()
    )
    motifs = list(
        session.scalars(
            select(Motif).where(Motif.organisation_id.in_(organisation_ids)).order_by(Motif.name, Motif.id)
        )
    )
    places = list(
        session.scalars(
            select(Place).where(Place.organisation_id.in_(organisation_ids)).order_by(Place.name, Place.id)
        )
    )
    rows = []
    for person in people:
        reason = bulk.person_reason(session, beneficiary=person, now=now)
        label, badge = labels.FOLLOWUP_STATUSES.get(statuses[person.id], (statuses[person.id], ""))
        rows.append(
            {
                "person": person,
                "name": views.full_name(person),
                "phone": views.display_phone(person.phone),
                "status_label": label,
                "status_badge": badge,
                "warning": bulk.SKIP_REASONS[reason] if reason else "",
            }
        )
    context = {
        "nav": "beneficiaires",
        "rows": rows,
        "motifs": motifs,
        "places": places,
        "organisation_names": names,
        "several_organisations": len(organisation_ids) > 1,
        "motif_error": motif_error,
        "motif_id": motif_id,
        "place_id": place_id,
        "retour": retour,
        "back_url": _back_to_list(retour),
        "will_skip": sum(1 for row in rows if row["warning"]),
    }
    return page(request, user, "invitation_selection.html", context, status_code=status_code)


@router.get("/invitations", response_class=HTMLResponse)
def invitation_selection(
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    ids: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies defaults)
    retour: str = "",
) -> Response:
    """The people ticked on the list, and the motif to invite them to."""
    return _selection_page(request, session, user, _people(session, user, ids[:500]), retour)


def summary(outcomes: list[bulk.Outcome]) -> str:
    """ "2 invitations envoyées, 3 non envoyées (2 invitation déjà en attente, 1 a répondu STOP)." """
    invited = sum(1 for outcome in outcomes if outcome.invited)
    skipped: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.reason:
            skipped[outcome.reason] = skipped.get(outcome.reason, 0) + 1
    text = f"{invited} invitation envoyée" if invited <= 1 else f"{invited} invitations envoyées"
    if skipped:
        count = sum(skipped.values())
        reasons = ", ".join(f"{n} {bulk.SKIP_REASONS[reason]}" for reason, n in skipped.items())
        text += f", {count} non envoyée{'s' if count > 1 else ''} ({reasons})"
    return text + "."


@router.post("/invitations", response_class=HTMLResponse)
def invite(
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    motif_id: Annotated[str, Form()] = "",
    place_id: Annotated[str, Form()] = "",
    retour: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Invite the selection: the result page says who was invited and why the others were not."""
    user.check_csrf(csrf_token)
    people = _people(session, user, ids[:500])
    if not motif_id:
        return _selection_page(
            request,
            session,
            user,
            people,
            retour,
            motif_error="Choisissez le motif du rendez-vous.",
            place_id=place_id,
            status_code=422,
        )
    motif = session.get(Motif, ascii_int(motif_id)) if ascii_int(motif_id) else None
    if motif is None or not user.principal.is_member(motif.organisation_id):
        raise not_found()
    place = None
    if place_id:
        place = session.get(Place, ascii_int(place_id)) if ascii_int(place_id) else None
        if place is None or place.organisation_id != motif.organisation_id:
            raise not_found()
    outcomes = bulk.invite_many(session, beneficiaries=people, motif=motif, place=place, now=utcnow())
    by_id = {person.id: person for person in people}
    context = {
        "nav": "beneficiaires",
        "summary": summary(outcomes),
        "all_invited": all(outcome.invited for outcome in outcomes),
        "none_invited": not any(outcome.invited for outcome in outcomes),
        "motif": motif,
        "place": place,
        "rows": [
            {
                "person": by_id[outcome.beneficiary_id],
                "name": views.full_name(by_id[outcome.beneficiary_id]),
                "invited": outcome.invited,
                "reason": bulk.SKIP_REASONS.get(outcome.reason or "", ""),
            }
            for outcome in outcomes
        ],
        "back_url": _back_to_list(retour),
    }
    return page(request, user, "invitation_resultat.html", context)
