"""Isolation cases for the imports routes (merged into test_isolation.py's CASES)."""

from collections.abc import Callable

from sqlalchemy.orm import Session

from api.beneficiaries.models import BeneficiaryImport
from tests.api.world import Org

CSV = "Téléphone portable;Nom\r\n06 39 98 00 01;Martin\r\n".encode()


def _upload(c, organisation_id: int):
    return c.call(
        "POST",
        "/api/beneficiary-imports",
        data={"organisation_id": str(organisation_id)},
        files={"file": ("personnes.csv", CSV, "text/csv")},
    )


def _b_import(session: Session, b: Org) -> int:
    job = BeneficiaryImport(
        organisation_id=b.organisation.id,
        filename="b.csv",
        content=None,
        mapping={},
        status="done",
        errors=[],
    )
    session.add(job)
    session.flush()
    return job.id


# (method, path, id parameter) -> request with that parameter set to the value; see test_isolation.
CASES: dict = {
    ("POST", "/api/beneficiary-imports", "organisation_id"): lambda c, v: _upload(c, v),
    ("GET", "/api/beneficiary-imports", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/beneficiary-imports", params={"organisation_id": v}
    ),
    ("GET", "/api/beneficiary-imports/{import_id}", "import_id"): lambda c, v: c.call(
        "GET", f"/api/beneficiary-imports/{v}"
    ),
    # The selection is the caller's own person; only the motif or the place is another's.
    ("POST", "/api/invitations/bulk", "motif_id"): lambda c, v: c.call(
        "POST", "/api/invitations/bulk", json={"beneficiary_ids": [c.a.person.id], "motif_id": v}
    ),
    ("POST", "/api/invitations/bulk", "place_id"): lambda c, v: c.call(
        "POST",
        "/api/invitations/bulk",
        json={"beneficiary_ids": [c.a.person.id], "motif_id": c.a.motif.id, "place_id": v},
    ),
}
NARROWING: dict = {}
# id parameter -> a resource of organisation B with that id, made in the test session.
B_IDS: dict[str, Callable[[Session, Org], int]] = {"import_id": _b_import}
