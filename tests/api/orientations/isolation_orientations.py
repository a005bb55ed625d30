"""Isolation cases for orientation requests (merged into tests/api/accounts/test_isolation.py's CASES).

Organisation B's person and B's request are 404 for A, as a missing id. Naming a service of the
catalogue is deliberate: the catalogue is shared, and a request to another structure's service is
the point of an orientation (tests/api/orientations/test_routes.py checks what each side sees).
"""

from collections.abc import Callable

from sqlalchemy.orm import Session

from api.offers import importer
from api.offers.models import Service
from api.orientations import service as orientation_service
from tests.api.offers.rows import service_row, structure_row
from tests.api.world import Org

THEME = "mobilite--acceder-a-un-vehicule"


def _b_orientation(session: Session, b: Org) -> int:
    """A request B's agent sent for B's person to a service that answers by e-mail."""
    importer.import_offers(
        session,
        structures=[structure_row("iso", courriel="iso@example.org")],
        services=[service_row("iso", "iso", thematiques=[THEME])],
    )
    service = session.query(Service).filter_by(source_id="test-offers--iso").one()
    request = orientation_service.send_request(
        session,
        beneficiary=b.person,
        from_organisation_id=b.organisation.id,
        user_id=b.agent.user.id,
        service_id=service.id,
        theme=THEME,
        reason="test",
        now=b.person.created_at,
    )
    return request.id


_BODY = {"service_id": 1, "theme": THEME, "reason": "x"}
CASES: dict = {
    ("GET", "/api/beneficiaries/{beneficiary_id}/orientation-services", "beneficiary_id"): lambda c,
    v: c.call("GET", f"/api/beneficiaries/{v}/orientation-services", params={"theme": "mobilite"}),
    ("GET", "/api/beneficiaries/{beneficiary_id}/orientations", "beneficiary_id"): lambda c, v: c.call(
        "GET", f"/api/beneficiaries/{v}/orientations"
    ),
    ("POST", "/api/beneficiaries/{beneficiary_id}/orientations", "beneficiary_id"): lambda c, v: c.call(
        "POST", f"/api/beneficiaries/{v}/orientations", json=_BODY
    ),
    ("GET", "/api/orientations/{orientation_id}", "orientation_id"): lambda c, v: c.call(
        "GET", f"/api/orientations/{v}"
    ),
    ("POST", "/api/orientations/{orientation_id}/accept", "orientation_id"): lambda c, v: c.call(
        "POST", f"/api/orientations/{v}/accept", json={}
    ),
    ("POST", "/api/orientations/{orientation_id}/refuse", "orientation_id"): lambda c, v: c.call(
        "POST", f"/api/orientations/{v}/refuse", json={"reason": "non"}
    ),
}
NARROWING: dict = {}
B_IDS: dict[str, Callable[[Session, Org], int]] = {"orientation_id": _b_orientation}
# The shared catalogue's services: any structure may address a request to one (see the docstring).
DELIBERATE = {("POST", "/api/beneficiaries/{beneficiary_id}/orientations", "service_id")}
