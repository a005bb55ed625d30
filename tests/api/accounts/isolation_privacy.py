"""Isolation cases for the privacy routes (merged into test_isolation.py's CASES).

Another organisation's person can be neither exported nor erased (404, as a missing id; the
test checks that organisation B's appointment is still there), and its erasures not listed.
"""

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.api.world import Org

# (method, path, id parameter) -> request with that parameter set to the value; see test_isolation.
CASES: dict = {
    ("GET", "/api/beneficiaries/{beneficiary_id}/export", "beneficiary_id"): lambda c, v: c.call(
        "GET", f"/api/beneficiaries/{v}/export"
    ),
    ("DELETE", "/api/beneficiaries/{beneficiary_id}", "beneficiary_id"): lambda c, v: c.call(
        "DELETE", f"/api/beneficiaries/{v}"
    ),
    ("GET", "/api/erasures", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/erasures", params={"organisation_id": v}
    ),
}
NARROWING: dict = {}
# id parameter -> a resource of organisation B with that id, made in the test session.
B_IDS: dict[str, Callable[[Session, Org], int]] = {}
