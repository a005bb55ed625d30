"""The agenda REST API: plages, absences, the day's appointments; 401, 403 for agents' writes, 404 outside."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda.models import Absence, OpeningPeriod, Slot
from api.appointments import service as appointment_service
from api.db import utcnow
from tests.api import factories as f
from tests.api.world import Org, build_org

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def a(session: Session) -> Org:
    return build_org(session, "Département A")


@pytest.fixture
def b(session: Session) -> Org:
    return build_org(session, "Département B")


def _in_days(days: int) -> date:
    return utcnow().astimezone(PARIS).date() + timedelta(days=days)


def _plage_body(org: Org, **changes: object) -> dict:
    start = _in_days(3)
    body = {
        "place_id": org.place.id,
        "motif_id": org.motif.id,  # 45 minutes
        "weekday": start.weekday(),
        "start_time": "09:00",
        "end_time": "11:00",
        "capacity": 2,
        "valid_from": start.isoformat(),
        "valid_until": (start + timedelta(days=21)).isoformat(),
    }
    return {**body, **changes}


def _slots_of(session: Session, period_id: int) -> list[Slot]:
    session.expire_all()
    return list(session.scalars(select(Slot).where(Slot.opening_period_id == period_id).order_by(Slot.start)))


ROUTES = [
    ("POST", "/api/opening-periods"),
    ("GET", "/api/opening-periods"),
    ("PATCH", "/api/opening-periods/1"),
    ("DELETE", "/api/opening-periods/1"),
    ("POST", "/api/opening-periods/1/generate"),
    ("POST", "/api/absences"),
    ("GET", "/api/absences"),
    ("DELETE", "/api/absences/1"),
    ("GET", "/api/agenda"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_agenda_route_needs_a_token(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bad = client.request(method, path, json={}, headers={"Authorization": "Bearer spie_nope"})
    assert bad.status_code == 401


def test_an_admin_opens_a_plage_and_its_slots_are_generated(
    client: TestClient, session: Session, a: Org
) -> None:
    created = client.post("/api/opening-periods", json=_plage_body(a), headers=a.admin.headers)
    assert created.status_code == 201, created.text
    body = created.json()
    slots = _slots_of(session, body["id"])
    assert body["slots_created"] == len(slots) > 0
    assert (body["organisation_id"], body["start_time"], body["end_time"], body["capacity"]) == (
        a.organisation.id,
        "09:00:00",
        "11:00:00",
        2,
    )
    assert (body["slots_removed"], body["appointments_to_move"]) == (0, [])
    # 45-minute motif from 9:00 to 11:00: 9:00 and 9:45 (10:30 would end after 11:00), on that weekday.
    local = {(s.start.astimezone(PARIS).weekday(), s.start.astimezone(PARIS).time()) for s in slots}
    assert local == {(body["weekday"], time(9)), (body["weekday"], time(9, 45))}
    assert {slot.capacity for slot in slots} == {2}
    # They are free slots of the REST API, and can be offered.
    listed = client.get("/api/slots", params={"free_only": True}, headers=a.agent.headers).json()
    assert {slot.id for slot in slots} <= {row["id"] for row in listed}
    # Generating again creates nothing.
    again = client.post(f"/api/opening-periods/{body['id']}/generate", headers=a.admin.headers)
    assert (again.status_code, again.json()) == (200, {"slots_created": 0})
    # Members read the plages; an agent of the organisation too.
    rows = client.get("/api/opening-periods", headers=a.agent.headers).json()
    assert [row["id"] for row in rows] == [body["id"]]


def test_agents_cannot_change_plages_or_absences(client: TestClient, session: Session, a: Org) -> None:
    refused = client.post("/api/opening-periods", json=_plage_body(a), headers=a.agent.headers)
    assert refused.status_code == 403
    assert session.scalars(select(OpeningPeriod).filter_by(organisation_id=a.organisation.id)).all() == []
    period_id = client.post("/api/opening-periods", json=_plage_body(a), headers=a.admin.headers).json()["id"]
    before = len(_slots_of(session, period_id))
    for method, path, body in (
        ("PATCH", f"/api/opening-periods/{period_id}", {"end_time": "10:00"}),
        ("DELETE", f"/api/opening-periods/{period_id}", None),
        ("POST", f"/api/opening-periods/{period_id}/generate", None),
    ):
        response = client.request(method, path, json=body, headers=a.agent.headers)
        assert response.status_code == 403, (method, path)
    assert len(_slots_of(session, period_id)) == before
    start = datetime.combine(_in_days(5), time(9), tzinfo=PARIS)
    absence = {
        "organisation_id": a.organisation.id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
    }
    assert client.post("/api/absences", json=absence, headers=a.agent.headers).status_code == 403
    made = client.post("/api/absences", json=absence, headers=a.admin.headers)
    assert made.status_code == 201
    assert client.delete(f"/api/absences/{made.json()['id']}", headers=a.agent.headers).status_code == 403
    assert session.get(Absence, made.json()["id"]) is not None


def test_bad_plages_are_422(client: TestClient, a: Org) -> None:
    for changes in (
        {"start_time": "11:00", "end_time": "09:00"},
        {"end_time": "09:30"},  # shorter than one 45-minute appointment
        {"weekday": 7},
        {"capacity": 0},
        {"valid_until": _in_days(1).isoformat()},  # before valid_from
    ):
        response = client.post(
            "/api/opening-periods", json=_plage_body(a, **changes), headers=a.admin.headers
        )
        assert response.status_code == 422, changes


def test_shortening_and_deleting_a_plage_report_the_appointments_to_move(
    client: TestClient, session: Session, a: Org
) -> None:
    period = client.post("/api/opening-periods", json=_plage_body(a), headers=a.admin.headers).json()
    slots = _slots_of(session, period["id"])
    late = next(slot for slot in slots if slot.start.astimezone(PARIS).time() == time(9, 45))
    person = f.beneficiary(session, a.organisation, first_name="Aïcha")
    appointment = appointment_service.book(session, beneficiary=person, slot_id=late.id, now=utcnow())
    assert appointment is not None

    shorter = client.patch(
        f"/api/opening-periods/{period['id']}", json={"end_time": "10:00"}, headers=a.admin.headers
    )
    assert shorter.status_code == 200, shorter.text
    body = shorter.json()
    nine_forty_fives = sum(1 for slot in slots if slot.start.astimezone(PARIS).time() == time(9, 45))
    assert (body["end_time"], body["slots_created"], body["slots_removed"]) == (
        "10:00:00",
        0,
        nine_forty_fives - 1,
    )
    assert body["slots_closed"] == 1  # two places, one taken: closed to new bookings
    [to_move] = body["appointments_to_move"]
    assert (
        to_move["appointment_id"],
        to_move["first_name"],
        to_move["place_name"],
        to_move["motif_name"],
    ) == (
        appointment.id,
        "Aïcha",
        a.place.name,
        a.motif.name,
    )
    session.refresh(late)
    assert (late.capacity, late.booked_count) == (1, 1)

    # Removing the end of validity keeps the hours; null means "no end".
    open_ended = client.patch(
        f"/api/opening-periods/{period['id']}", json={"valid_until": None}, headers=a.admin.headers
    )
    assert open_ended.status_code == 200 and open_ended.json()["valid_until"] is None
    assert open_ended.json()["slots_created"] > 0

    future = len(_slots_of(session, period["id"]))
    deleted = client.delete(f"/api/opening-periods/{period['id']}", headers=a.admin.headers)
    assert deleted.status_code == 200, deleted.text
    assert [row["appointment_id"] for row in deleted.json()["appointments_to_move"]] == [appointment.id]
    # Every future slot goes but the booked one (already closed when the hours were shortened).
    assert (deleted.json()["slots_removed"], deleted.json()["slots_closed"]) == (future - 1, 0)
    session.expire_all()
    assert session.get(OpeningPeriod, period["id"]) is None
    assert session.get(Slot, late.id) is not None  # the appointment keeps its slot
    assert client.get("/api/opening-periods", headers=a.admin.headers).json() == []
    assert client.delete(f"/api/opening-periods/{period['id']}", headers=a.admin.headers).status_code == 404


def test_an_absence_deletes_free_slots_and_lists_booked_ones(
    client: TestClient, session: Session, a: Org
) -> None:
    booked = a.appointment.slot  # build_org booked the first slot
    a.invitation.status = "booked"  # as the conversation does: its list may no longer be answered
    start = booked.start - timedelta(hours=1)
    end = booked.start + timedelta(days=1)
    free_inside = [
        slot.id for slot in a.slots if start < slot.end and slot.start < end and slot.id != booked.id
    ]
    assert free_inside
    body = {
        "organisation_id": a.organisation.id,
        "place_id": a.place.id,
        "starts_at": start.isoformat(),
        "ends_at": end.isoformat(),
        "reason": "Formation",
    }
    made = client.post("/api/absences", json=body, headers=a.admin.headers)
    assert made.status_code == 201, made.text
    result = made.json()
    assert (result["slots_removed"], result["reason"], result["place_id"]) == (
        len(free_inside),
        "Formation",
        a.place.id,
    )
    assert [row["appointment_id"] for row in result["appointments_to_move"]] == [a.appointment.id]
    assert result["appointments_to_move"][0]["beneficiary_id"] == a.person.id
    session.expire_all()
    assert all(session.get(Slot, slot_id) is None for slot_id in free_inside)
    listed = client.get(
        "/api/absences", params={"organisation_id": a.organisation.id}, headers=a.agent.headers
    )
    assert [row["id"] for row in listed.json()] == [result["id"]]

    lifted = client.delete(f"/api/absences/{result['id']}", headers=a.admin.headers)
    assert (lifted.status_code, lifted.json()) == (
        200,
        {"slots_created": 0},
    )  # hand-made slots do not come back
    assert client.get("/api/absences", headers=a.agent.headers).json() == []


def test_an_absence_for_the_whole_organisation_and_bad_ones(client: TestClient, a: Org) -> None:
    start = datetime.combine(_in_days(30), time(0), tzinfo=PARIS)
    whole = {
        "organisation_id": a.organisation.id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=1)).isoformat(),
    }
    made = client.post("/api/absences", json=whole, headers=a.admin.headers)
    assert made.status_code == 201 and made.json()["place_id"] is None
    backwards = {**whole, "ends_at": start.isoformat(), "starts_at": (start + timedelta(hours=1)).isoformat()}
    assert client.post("/api/absences", json=backwards, headers=a.admin.headers).status_code == 422
    naive = {**whole, "starts_at": "2030-01-01T09:00:00", "ends_at": "2030-01-01T10:00:00"}
    assert client.post("/api/absences", json=naive, headers=a.admin.headers).status_code == 422


def test_the_agenda_of_a_day_and_a_week(client: TestClient, session: Session, a: Org, b: Org) -> None:
    day = a.appointment.slot.start.astimezone(PARIS).date()
    one_day = client.get("/api/agenda", params={"day": day.isoformat()}, headers=a.agent.headers)
    assert one_day.status_code == 200, one_day.text
    [row] = one_day.json()
    assert (
        row["appointment_id"],
        row["beneficiary_id"],
        row["status"],
        row["place_name"],
        row["motif_name"],
    ) == (
        a.appointment.id,
        a.person.id,
        "unknown",
        a.place.name,
        a.motif.name,
    )
    assert row["first_name"] == a.person.first_name
    # The day before: nothing; the week starting the day before: the appointment.
    before = (day - timedelta(days=1)).isoformat()
    assert client.get("/api/agenda", params={"day": before}, headers=a.agent.headers).json() == []
    week = client.get("/api/agenda", params={"day": before, "days": 7}, headers=a.agent.headers).json()
    assert [r["appointment_id"] for r in week] == [a.appointment.id]
    # A cancelled appointment is still listed, with its status.
    appointment_service.set_status(session, appointment_id=a.appointment.id, status="excused", now=utcnow())
    week = client.get("/api/agenda", params={"day": before, "days": 7}, headers=a.agent.headers).json()
    assert [r["status"] for r in week] == ["excused"]
    # Only the caller's organisation; another organisation's id is 404.
    b_day = b.appointment.slot.start.astimezone(PARIS).date()
    mine = client.get(
        "/api/agenda", params={"day": b_day.isoformat(), "days": 7}, headers=a.agent.headers
    ).json()
    assert all(r["organisation_id"] == a.organisation.id for r in mine)
    foreign = client.get(
        "/api/agenda", params={"organisation_id": b.organisation.id}, headers=a.agent.headers
    )
    assert foreign.status_code == 404
    assert client.get("/api/agenda", params={"days": 8}, headers=a.agent.headers).status_code == 422


def test_lists_hold_only_the_callers_organisation(
    client: TestClient, session: Session, a: Org, b: Org
) -> None:
    for org in (a, b):
        assert (
            client.post("/api/opening-periods", json=_plage_body(org), headers=org.admin.headers).status_code
            == 201
        )
        start = datetime.combine(_in_days(40), time(9), tzinfo=PARIS)
        absence = {
            "organisation_id": org.organisation.id,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        }
        assert client.post("/api/absences", json=absence, headers=org.admin.headers).status_code == 201
    for path in ("/api/opening-periods", "/api/absences"):
        rows = client.get(path, headers=a.agent.headers).json()
        assert len(rows) == 1 and rows[0]["organisation_id"] == a.organisation.id, path
    # Another organisation's plage is 404 for an admin, as a missing one.
    b_period = session.scalars(select(OpeningPeriod).filter_by(organisation_id=b.organisation.id)).one()
    for method, path in (
        ("DELETE", f"/api/opening-periods/{b_period.id}"),
        ("POST", f"/api/opening-periods/{b_period.id}/generate"),
    ):
        assert client.request(method, path, headers=a.admin.headers).status_code == 404
    assert session.get(OpeningPeriod, b_period.id) is not None
