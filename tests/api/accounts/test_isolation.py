"""A user of organisation A gets 404 for every resource of organisation B, as for one that does not exist.

Every /api route is enumerated: each id it takes (path parameter, query parameter or body
field ending in `_id`) must have a case below, or the test fails.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import ApiToken
from api.db import utcnow
from api.handoffs.models import HandoffRequest
from tests.api.accounts import isolation_agenda, isolation_figures, isolation_imports, isolation_privacy
from tests.api.accounts.factories import Account
from tests.api.api_routes import api_operations, id_parameters
from tests.api.followers import isolation_followers
from tests.api.orientations import isolation_orientations
from tests.api.world import Org, build_org

MISSING = 987_654_321


@dataclass
class Ctx:
    client: TestClient
    caller: Account
    a: Org
    b: Org

    def call(self, method: str, path: str, **kwargs) -> Response:
        return self.client.request(method, path, headers=self.caller.headers, **kwargs)


def _slot_start() -> str:
    return (utcnow() + timedelta(days=30)).isoformat()


# (method, path, id parameter) -> request made with that parameter set to `value`
# (the other ids of the request are the caller's own, so only `value` can cause the 404).
Case = Callable[[Ctx, int], Response]
CASES: dict[tuple[str, str, str], Case] = {
    # path parameters
    ("GET", "/api/beneficiaries/{beneficiary_id}", "beneficiary_id"): lambda c, v: c.call(
        "GET", f"/api/beneficiaries/{v}"
    ),
    ("GET", "/api/beneficiaries/{beneficiary_id}/carnet", "beneficiary_id"): lambda c, v: c.call(
        "GET", f"/api/beneficiaries/{v}/carnet"
    ),
    ("PATCH", "/api/appointments/{appointment_id}", "appointment_id"): lambda c, v: c.call(
        "PATCH", f"/api/appointments/{v}", json={"status": "seen"}
    ),
    ("POST", "/api/appointments/{appointment_id}/reminders", "appointment_id"): lambda c, v: c.call(
        "POST", f"/api/appointments/{v}/reminders"
    ),
    ("POST", "/api/handoffs/{handoff_id}/take", "handoff_id"): lambda c, v: c.call(
        "POST", f"/api/handoffs/{v}/take"
    ),
    ("POST", "/api/handoffs/{handoff_id}/close", "handoff_id"): lambda c, v: c.call(
        "POST", f"/api/handoffs/{v}/close"
    ),
    ("DELETE", "/api/tokens/{token_id}", "token_id"): lambda c, v: c.call("DELETE", f"/api/tokens/{v}"),
    ("GET", "/api/organisations/{organisation_id}/members", "organisation_id"): lambda c, v: c.call(
        "GET", f"/api/organisations/{v}/members"
    ),
    ("POST", "/api/organisations/{organisation_id}/members", "organisation_id"): lambda c, v: c.call(
        "POST", f"/api/organisations/{v}/members", json={"email": c.caller.user.email, "role": "agent"}
    ),
    ("DELETE", "/api/organisations/{organisation_id}/members/{user_id}", "organisation_id"): lambda c,
    v: c.call("DELETE", f"/api/organisations/{v}/members/{c.a.agent.user.id}"),
    ("DELETE", "/api/organisations/{organisation_id}/members/{user_id}", "user_id"): lambda c, v: c.call(
        "DELETE", f"/api/organisations/{c.a.organisation.id}/members/{v}"
    ),
    # body fields
    ("POST", "/api/places", "organisation_id"): lambda c, v: c.call(
        "POST", "/api/places", json={"organisation_id": v, "name": "Annexe", "address": "1 rue de la Paix"}
    ),
    ("POST", "/api/motifs", "organisation_id"): lambda c, v: c.call(
        "POST", "/api/motifs", json={"organisation_id": v, "name": "Suivi", "duration_minutes": 30}
    ),
    ("POST", "/api/slots", "place_id"): lambda c, v: c.call(
        "POST", "/api/slots", json={"place_id": v, "motif_id": c.a.motif.id, "start": _slot_start()}
    ),
    ("POST", "/api/slots", "motif_id"): lambda c, v: c.call(
        "POST", "/api/slots", json={"place_id": c.a.place.id, "motif_id": v, "start": _slot_start()}
    ),
    ("POST", "/api/beneficiaries", "organisation_id"): lambda c, v: c.call(
        "POST", "/api/beneficiaries", json={"organisation_id": v, "phone": "+33699887766"}
    ),
    ("POST", "/api/invitations", "beneficiary_id"): lambda c, v: c.call(
        "POST", "/api/invitations", json={"beneficiary_id": v, "motif_id": c.a.motif.id}
    ),
    ("POST", "/api/invitations", "motif_id"): lambda c, v: c.call(
        "POST", "/api/invitations", json={"beneficiary_id": c.a.person.id, "motif_id": v}
    ),
    ("POST", "/api/invitations", "place_id"): lambda c, v: c.call(
        "POST",
        "/api/invitations",
        json={"beneficiary_id": c.a.person.id, "motif_id": c.a.motif.id, "place_id": v},
    ),
    # query parameters
    ("GET", "/api/places", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/places", params={"organisation_id": v}
    ),
    ("GET", "/api/motifs", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/motifs", params={"organisation_id": v}
    ),
    ("GET", "/api/slots", "motif_id"): lambda c, v: c.call("GET", "/api/slots", params={"motif_id": v}),
    ("GET", "/api/beneficiaries", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/beneficiaries", params={"organisation_id": v}
    ),
    ("GET", "/api/invitations", "beneficiary_id"): lambda c, v: c.call(
        "GET", "/api/invitations", params={"beneficiary_id": v}
    ),
    ("GET", "/api/appointments", "beneficiary_id"): lambda c, v: c.call(
        "GET", "/api/appointments", params={"beneficiary_id": v}
    ),
    ("GET", "/api/scheduled-messages", "beneficiary_id"): lambda c, v: c.call(
        "GET", "/api/scheduled-messages", params={"beneficiary_id": v}
    ),
    ("GET", "/api/barriers", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/barriers", params={"organisation_id": v}
    ),
    ("GET", "/api/handoffs", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/handoffs", params={"organisation_id": v}
    ),
    ("GET", "/api/outbox", "beneficiary_id"): lambda c, v: c.call(
        "GET", "/api/outbox", params={"beneficiary_id": v}
    ),
    ("GET", "/api/audit-log", "organisation_id"): lambda c, v: c.call(
        "GET", "/api/audit-log", params={"organisation_id": v}
    ),
}

# Ids that only narrow a list already scoped to the caller (no resource is looked up): an id of
# another organisation gives an empty list, which reveals nothing either. Checked below.
NARROWING: dict[tuple[str, str, str], Callable[[Ctx, int], Response]] = {
    ("GET", "/api/audit-log", "beneficiary_id"): lambda c, v: c.call(
        "GET", "/api/audit-log", params={"beneficiary_id": v}
    ),
    ("GET", "/api/audit-log", "before_id"): lambda c, v: c.call(
        "GET", "/api/audit-log", params={"before_id": v}
    ),
}


# Each area keeps its own cases, and how to make a resource of organisation B for its new ids.
AREAS = [
    isolation_agenda,
    isolation_figures,
    isolation_imports,
    isolation_privacy,
    isolation_followers,
    isolation_orientations,
]
B_IDS: dict[str, Callable[[Session, Org], int]] = {}
# Ids a caller names on purpose (another organisation, to follow their person): the area checks them.
DELIBERATE: set[tuple[str, str, str]] = set()
for _area in AREAS:
    CASES.update(_area.CASES)
    NARROWING.update(_area.NARROWING)
    B_IDS.update(_area.B_IDS)
    DELIBERATE |= getattr(_area, "DELIBERATE", set())


def _b_value(ctx: Ctx, param: str, session: Session) -> int:
    b = ctx.b
    if param in B_IDS:
        return B_IDS[param](session, b)
    if param == "token_id":
        return ctx.b.admin_token_id  # type: ignore[attr-defined]
    if param == "user_id":
        return b.admin.user.id
    if param == "handoff_id":
        return session.scalars(select(HandoffRequest.id).filter_by(organisation_id=b.organisation.id)).one()
    return {
        "organisation_id": b.organisation.id,
        "beneficiary_id": b.person.id,
        "appointment_id": b.appointment.id,
        "place_id": b.place.id,
        "motif_id": b.motif.id,
    }[param]


def id_inputs() -> set[tuple[str, str, str]]:
    """Every (method, path, id parameter) of the REST API."""
    found = set()
    for method, path, operation in api_operations():
        found |= {(method, path, name) for name in id_parameters(operation)}
    return found


def test_every_id_of_the_api_is_covered() -> None:
    missing = id_inputs() - set(CASES) - set(NARROWING) - DELIBERATE
    assert not missing, f"routes taking an id with no isolation case in {__name__}: {sorted(missing)}"
    covered = set(CASES) | set(NARROWING) | DELIBERATE
    assert not covered - id_inputs(), "cases for routes that no longer exist"


def test_naming_another_organisation_to_follow_gives_the_caller_nothing(
    client: TestClient, world: tuple[Org, Org]
) -> None:
    isolation_followers.check_naming_another_organisation(client, *world)


@pytest.fixture
def world(session: Session) -> tuple[Org, Org]:
    a = build_org(session, "Département A")
    b = build_org(session, "Département B")
    b.admin_token_id = session.query(ApiToken.id).filter_by(user_id=b.admin.user.id).scalar()  # type: ignore[attr-defined]
    return a, b


@pytest.mark.parametrize("role", ["admin", "agent"])
@pytest.mark.parametrize("key", sorted(CASES), ids=lambda key: f"{key[0]} {key[1]} {key[2]}")
def test_other_organisation_is_404_like_a_missing_one(
    client: TestClient, session: Session, world: tuple[Org, Org], role: str, key: tuple[str, str, str]
) -> None:
    a, b = world
    ctx = Ctx(client, a.admin if role == "admin" else a.agent, a, b)
    _method, _path, param = key
    case = CASES[key]
    status_before = b.appointment.status
    queue_before = session.scalars(
        select(HandoffRequest.state).filter_by(organisation_id=b.organisation.id)
    ).all()
    other = case(ctx, _b_value(ctx, param, session))
    missing = case(ctx, MISSING)
    # An agent may be refused first for their role in their own organisation (403): the same
    # answer for another organisation's id and for a missing one, so it reveals nothing either.
    assert other.status_code in ((404,) if role == "admin" else (404, 403)), (other.status_code, other.text)
    assert (other.status_code, other.json()) == (missing.status_code, missing.json())
    session.refresh(b.appointment)
    assert b.appointment.status == status_before
    session.expire_all()
    queue_after = session.scalars(
        select(HandoffRequest.state).filter_by(organisation_id=b.organisation.id)
    ).all()
    assert queue_after == queue_before
    revoked = session.query(ApiToken.revoked).filter_by(id=b.admin_token_id).scalar()  # type: ignore[attr-defined]
    assert revoked is False


@pytest.mark.parametrize("key", sorted(NARROWING), ids=lambda key: f"{key[0]} {key[1]} {key[2]}")
def test_narrowing_ids_show_nothing_of_another_organisation(
    client: TestClient, world: tuple[Org, Org], key: tuple[str, str, str]
) -> None:
    a, b = world
    ctx = Ctx(client, b.admin, a, b)
    assert ctx.call("GET", f"/api/beneficiaries/{b.person.id}/carnet").status_code == 200  # a line for B
    ctx = Ctx(client, a.admin, a, b)
    response = NARROWING[key](ctx, b.person.id if key[2] == "beneficiary_id" else MISSING)
    assert response.status_code == 200
    assert all(line["organisation_id"] == a.organisation.id for line in response.json())
    assert b.person.id not in {line["beneficiary_id"] for line in response.json()}


LISTS = [
    "/api/places",
    "/api/motifs",
    "/api/slots",
    "/api/beneficiaries",
    "/api/invitations",
    "/api/appointments",
    "/api/barriers",
    "/api/handoffs",
    "/api/outbox",
    "/api/organisations",
]


@pytest.mark.parametrize("path", LISTS)
def test_lists_hold_only_the_callers_organisation(
    client: TestClient, world: tuple[Org, Org], path: str
) -> None:
    a, b = world
    rows = client.get(path, headers=a.agent.headers).raise_for_status().json()
    assert rows, f"{path} shows nothing of the caller's own organisation"
    for row in rows:
        if "organisation_id" in row:
            assert row["organisation_id"] == a.organisation.id, row
        if "beneficiary_id" in row:
            assert row["beneficiary_id"] == a.person.id, row
        if path == "/api/organisations":
            assert row["id"] == a.organisation.id
        if path == "/api/slots":
            assert row["place_id"] == a.place.id
