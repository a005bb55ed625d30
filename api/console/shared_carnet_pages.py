"""The console for a structure that follows a person whose record another organisation holds:
the list of those people, and each one's carnet as the sharing rules let the structure see it
(api/carnet/sharing.py, the same as GET /api/beneficiaries/{id}/carnet). Read-only: writing to the
person, notes and appointments stay with the holder. Every read is in the holder's audit log."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.carnet import service as carnet_service
from api.carnet import sharing
from api.console import views
from api.console.followers_panel import followers_panel
from api.console.rendering import harden, page
from api.console.session import CurrentConsoleUser, not_found
from api.deps import SessionDep
from api.errors import NotFound
from api.followers import audit
from api.followers import service as followers_service
from api.followers.access import reader_of
from api.organisations.models import Organisation

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)


@router.get("/suivis", response_class=HTMLResponse)
def followed_people(request: Request, session: SessionDep, user: CurrentConsoleUser) -> Response:
    organisation_ids = list(user.principal.organisation_ids)
    rows = followers_service.followed_elsewhere(session, organisation_ids=organisation_ids)
    people = [
        {
            "id": row.beneficiary.id,
            "name": views.full_name(row.beneficiary),
            "holder": row.holder.name,
            "since": f"{row.follower.started_at.astimezone(row.holder.zone):%d/%m/%Y}",
            "until": f"{row.follower.ended_at.astimezone(row.holder.zone):%d/%m/%Y}"
            if row.follower.ended_at
            else "",
        }
        for row in rows
    ]
    return page(request, user, "suivis.html", {"nav": "suivis", "people": people})


@router.get("/suivis/{beneficiary_id}", response_class=HTMLResponse)
def shared_carnet(
    beneficiary_id: int, request: Request, session: SessionDep, user: CurrentConsoleUser
) -> Response:
    try:
        reader = reader_of(session, user.principal, beneficiary_id)
    except NotFound:
        raise not_found() from None
    if reader.holder:
        return harden(RedirectResponse(f"/console/beneficiaires/{beneficiary_id}", 303))
    beneficiary = reader.beneficiary
    holder = session.get(Organisation, beneficiary.organisation_id)
    assert holder is not None
    entries = sharing.visible_to(reader, carnet_service.list_entries(session, beneficiary_id=beneficiary.id))
    words = "words shown" if reader.consent_given else "words withheld"
    audit.record(
        session, user.principal, reader, "carnet.read_shared", f"console: {len(entries)} entries, {words}"
    )
    context = {
        "nav": "suivis",
        "person": beneficiary,
        "name": views.full_name(beneficiary),
        "phone": views.display_phone(beneficiary.phone),
        "holder": holder,
        "following": reader.following,
        "consent_given": reader.consent_given,
        "items": views.timeline(session, beneficiary=beneficiary, tz=holder.zone, entries=entries),
        "followers": followers_panel(session, beneficiary=beneficiary, tz=holder.zone),
    }
    return page(request, user, "carnet_partage.html", context)
