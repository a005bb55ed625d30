"""Isolation cases for the figures routes (merged into test_isolation.py's CASES)."""

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.api.world import Org

# (method, path, id parameter) -> request with that parameter set to the value; see test_isolation.
# The organisation is the only id these routes take: B's figures are 404, like a missing organisation.
CASES: dict = {
    ("GET", "/api/figures", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/figures", params={"organisation_id": v, "start": "2026-11-01", "end": "2026-11-30"}
    ),
    ("GET", "/api/figures.csv", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/figures.csv", params={"organisation_id": v, "start": "2026-11-01", "end": "2026-11-30"}
    ),
}
NARROWING: dict = {}
# id parameter -> a resource of organisation B with that id, made in the test session.
B_IDS: dict[str, Callable[[Session, Org], int]] = {}
