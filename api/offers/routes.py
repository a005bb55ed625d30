"""REST API of the offers catalogue: import a data·inclusion file, find offers for a person."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import CurrentUser, current_user
from api.deps import SessionDep
from api.errors import Invalid
from api.offers import importer, matching, ownership
from api.offers.schemas import ImportReport, OffersImport, ServiceRead

# A shared catalogue: any authenticated user reads it; the operator imports it, admins their own source.
router = APIRouter(prefix="/api/offers", tags=["offers"], dependencies=[Depends(current_user)])


@router.post("/import", response_model=ImportReport)
def import_offers(body: OffersImport, session: SessionDep, user: CurrentUser):
    """Rows that fail the schema are listed in `rejected`; the others are created or updated.

    The shared catalogue is the platform operator's; an organisation admin writes only the source
    `organisation-<id>` of their organisation (api/offers/ownership.py); otherwise 403, nothing written.
    """
    ownership.check_import(user, structures=body.structures, services=body.services)
    return importer.import_offers(session, structures=body.structures, services=body.services)


@router.get("", response_model=list[ServiceRead])
def match_offers(
    session: SessionDep,
    theme: Annotated[
        list[str],
        Query(min_length=1, description="a theme of the taxonomy or a group (mobilite, garde_enfants...)"),
    ],
    code_insee: Annotated[str | None, Query(pattern=r"^\w{5}$")] = None,
    departement_code: Annotated[str | None, Query(pattern=r"^\w{2,3}$")] = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 3,
):
    """Offers on these themes that cover the commune (or the département when no commune is given)."""
    themes: list[str] = []
    for value in theme:
        if value in matching.theme_groups():
            themes.extend(matching.theme_group_themes(value))
        elif value in matching.theme_labels():
            themes.append(value)
        else:
            raise Invalid(f"unknown theme {value!r}")
    if departement_code is None:
        if code_insee is None:
            raise Invalid("code_insee or departement_code is required")
        departement_code = matching.departement_of(code_insee)
    elif code_insee is not None and matching.departement_of(code_insee) != departement_code.upper():
        raise Invalid(f"commune {code_insee} is not in département {departement_code}")
    return matching.match_offers(
        session, themes=themes, code_insee=code_insee, departement_code=departement_code, limit=limit
    )
