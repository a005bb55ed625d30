"""Isolation cases for the agenda routes (merged into test_isolation.py's CASES)."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from api.agenda import openings
from api.appointments import agenda_changes
from api.db import utcnow
from tests.api.world import Org


def _next_year() -> date:
    return utcnow().date() + timedelta(days=365)


def _plage(place_id: int, motif_id: int) -> dict:
    return {
        "place_id": place_id,
        "motif_id": motif_id,
        "weekday": 2,
        "start_time": "09:00",
        "end_time": "12:00",
        "valid_from": _next_year().isoformat(),
    }


def _absence(organisation_id: int, place_id: int | None) -> dict:
    start = datetime.combine(_next_year(), time(9)).astimezone()
    return {
        "organisation_id": organisation_id,
        "place_id": place_id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(),
        "reason": "Formation",
    }


# (method, path, id parameter) -> request with that parameter set to the value; see test_isolation.
CASES: dict = {
    ("POST", "/api/opening-periods", "place_id"): lambda c, v: c.call(
        "POST", "/api/opening-periods", json=_plage(v, c.a.motif.id)
    ),
    ("POST", "/api/opening-periods", "motif_id"): lambda c, v: c.call(
        "POST", "/api/opening-periods", json=_plage(c.a.place.id, v)
    ),
    ("GET", "/api/opening-periods", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/opening-periods", params={"organisation_id": v}
    ),
    ("PATCH", "/api/opening-periods/{opening_period_id}", "opening_period_id"): lambda c, v: c.call(
        "PATCH", f"/api/opening-periods/{v}", json={"end_time": "10:00"}
    ),
    ("DELETE", "/api/opening-periods/{opening_period_id}", "opening_period_id"): lambda c, v: c.call(
        "DELETE", f"/api/opening-periods/{v}"
    ),
    ("POST", "/api/opening-periods/{opening_period_id}/generate", "opening_period_id"): lambda c, v: c.call(
        "POST", f"/api/opening-periods/{v}/generate"
    ),
    ("POST", "/api/absences", "organisation_id"): lambda c, v: c.call(
        "POST", "/api/absences", json=_absence(v, None)
    ),
    ("POST", "/api/absences", "place_id"): lambda c, v: c.call(
        "POST", "/api/absences", json=_absence(c.a.organisation.id, v)
    ),
    ("GET", "/api/absences", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/absences", params={"organisation_id": v}
    ),
    ("DELETE", "/api/absences/{absence_id}", "absence_id"): lambda c, v: c.call(
        "DELETE", f"/api/absences/{v}"
    ),
    ("GET", "/api/agenda", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/agenda", params={"organisation_id": v, "days": 7}
    ),
}
NARROWING: dict = {}


def _b_opening_period(session: Session, b: Org) -> int:
    change = openings.create_opening_period(
        session,
        place_id=b.place.id,
        motif_id=b.motif.id,
        weekday=_next_year().weekday(),
        start_time=time(9),
        end_time=time(10),
        valid_from=_next_year(),
        now=utcnow(),
    )
    return change.period.id


def _b_absence(session: Session, b: Org) -> int:
    start = datetime.combine(_next_year(), time(9)).astimezone()
    absence, _ = agenda_changes.create_absence(
        session,
        organisation_id=b.organisation.id,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        now=utcnow(),
    )
    return absence.id


# id parameter -> a resource of organisation B with that id, made in the test session.
B_IDS: dict[str, Callable[[Session, Org], int]] = {
    "opening_period_id": _b_opening_period,
    "absence_id": _b_absence,
}
