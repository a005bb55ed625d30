"""Bearer tokens (401 without a live one) and what each role may do."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.accounts.models import ApiToken
from api.db import utcnow
from tests.api import factories as f
from tests.api.api_routes import api_operations
from tests.api.world import build_org


def _api_routes() -> list[tuple[str, str]]:
    return sorted(
        (method, path.replace("{", "").replace("}", "").replace("_id", "1"))
        for method, path, _operation in api_operations()
    )


@pytest.mark.parametrize("method,path", _api_routes())
def test_every_api_route_needs_a_token(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={})
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer spie_unknown-token", "Token x"],
)
def test_malformed_or_unknown_tokens_are_401(client: TestClient, authorization: str) -> None:
    response = client.get("/api/me", headers={"Authorization": authorization})
    assert response.status_code == 401


def test_revoked_token_and_inactive_user_are_401(client: TestClient, session: Session, account) -> None:
    me = account()
    assert client.get("/api/me", headers=me.headers).status_code == 200
    token_id = client.get("/api/tokens", headers=me.headers).json()[0]["id"]
    assert client.delete(f"/api/tokens/{token_id}", headers=me.headers).json()["revoked"] is True
    assert client.get("/api/me", headers=me.headers).status_code == 401

    other = account()
    other.user.active = False
    session.flush()
    assert client.get("/api/me", headers=other.headers).status_code == 401


def test_tokens_are_stored_as_sha256_and_shown_once(client: TestClient, session: Session, account) -> None:
    me = account()
    created = client.post("/api/tokens", json={"name": "intégration"}, headers=me.headers)
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("spie_") and len(secret) > 40
    row = session.get(ApiToken, created.json()["id"])
    assert row is not None and row.token_hash == accounts_service.sha256(secret)
    assert secret not in {row.token_hash, row.name}
    listed = client.get("/api/tokens", headers={"Authorization": f"Bearer {secret}"}).json()
    assert [token["name"] for token in listed] == ["intégration", "tests"]
    assert all("token" not in token for token in listed)
    assert listed[0]["last_used_at"] is not None


def test_last_used_at_is_written_at_most_once_a_minute(session: Session, account) -> None:
    me = account()
    now = utcnow()
    accounts_service.user_for_token(session, secret=me.token, now=now)
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == me.user.id))
    assert token is not None and token.last_used_at == now
    accounts_service.user_for_token(session, secret=me.token, now=now + timedelta(seconds=30))
    assert token.last_used_at == now
    accounts_service.user_for_token(session, secret=me.token, now=now + timedelta(minutes=2))
    assert token.last_used_at == now + timedelta(minutes=2)


def test_me_tells_the_roles(client: TestClient, session: Session, account) -> None:
    org = f.organisation(session)
    me = account({org.id: "agent"})
    assert client.get("/api/me", headers=me.headers).json() == {
        "id": me.user.id,
        "email": me.user.email,
        "is_superadmin": False,
        "memberships": [{"organisation_id": org.id, "role": "agent"}],
    }


ORGANISATION = {"name": "Département de l'Ardèche", "departement_code": "07"}


def test_only_the_platform_operator_creates_organisations(
    client: TestClient, session: Session, account
) -> None:
    org = f.organisation(session)
    admin = account({org.id: "admin"})
    assert client.post("/api/organisations", json=ORGANISATION, headers=admin.headers).status_code == 403
    operator = account(superadmin=True)
    created = client.post("/api/organisations", json=ORGANISATION, headers=operator.headers)
    assert created.status_code == 201
    # The operator sees every organisation but is a member of none: no person, no carnet.
    assert {o["id"] for o in client.get("/api/organisations", headers=operator.headers).json()} >= {
        org.id,
        created.json()["id"],
    }
    assert client.get("/api/beneficiaries", headers=operator.headers).json() == []
    person = f.beneficiary(session, org)
    assert client.get(f"/api/beneficiaries/{person.id}/carnet", headers=operator.headers).status_code == 404


def test_agents_work_with_people_admins_also_manage_the_agenda(client: TestClient, session: Session) -> None:
    org = build_org(session, "Département de la Drôme")
    agent, admin = org.agent.headers, org.admin.headers
    place = {"organisation_id": org.organisation.id, "name": "Annexe", "address": "1 rue Haute"}
    motif = {"organisation_id": org.organisation.id, "name": "Suivi", "duration_minutes": 30}
    slot = {
        "place_id": org.place.id,
        "motif_id": org.motif.id,
        "start": (utcnow() + timedelta(days=20)).isoformat(),
    }
    for path, body in (("/api/places", place), ("/api/motifs", motif), ("/api/slots", slot)):
        assert client.post(path, json=body, headers=agent).status_code == 403, path
        assert client.post(path, json=body, headers=admin).status_code == 201, path
        assert client.get(path, headers=agent).status_code == 200, path

    person = {"organisation_id": org.organisation.id, "phone": f.next_mobile(), "first_name": "Léa"}
    created = client.post("/api/beneficiaries", json=person, headers=agent)
    assert created.status_code == 201
    invitation = {"beneficiary_id": created.json()["id"], "motif_id": org.motif.id}
    assert client.post("/api/invitations", json=invitation, headers=agent).status_code == 201
    appointment = f"/api/appointments/{org.appointment.id}"
    assert client.post(f"{appointment}/reminders", headers=agent).status_code == 202
    assert client.patch(appointment, json={"status": "excused"}, headers=agent).json()["status"] == "excused"
    for path in (
        "/api/handoffs",
        "/api/barriers",
        "/api/outbox",
        f"/api/beneficiaries/{org.person.id}/carnet",
    ):
        assert client.get(path, headers=agent).status_code == 200, path
    # Admins are members too: they see the people of their organisation.
    assert client.get(f"/api/beneficiaries/{org.person.id}", headers=admin).status_code == 200


def test_members_are_managed_by_admins(client: TestClient, session: Session) -> None:
    org = build_org(session, "Département de la Drôme")
    members = f"/api/organisations/{org.organisation.id}/members"
    new = {"email": "Nouvel.Agent@Drome.fr", "role": "agent", "password": "un mot de passe long"}
    assert client.post(members, json=new, headers=org.agent.headers).status_code == 403
    assert client.get(members, headers=org.agent.headers).status_code == 403

    created = client.post(members, json=new, headers=org.admin.headers)
    assert created.status_code == 201
    assert created.json() | {"user_id": 0} == {
        "user_id": 0,
        "email": "nouvel.agent@drome.fr",
        "role": "agent",
        "active": True,
        "created": True,
    }
    no_password = {"email": "personne@drome.fr", "role": "agent"}
    assert client.post(members, json=no_password, headers=org.admin.headers).status_code == 422
    # An existing account joins with its own password; posting again changes the role.
    promoted = client.post(
        members, json={"email": org.agent.user.email, "role": "admin"}, headers=org.admin.headers
    )
    assert (promoted.status_code, promoted.json()["role"], promoted.json()["created"]) == (
        201,
        "admin",
        False,
    )
    listed = {m["email"]: m["role"] for m in client.get(members, headers=org.admin.headers).json()}
    assert listed == {
        org.admin.user.email: "admin",
        org.agent.user.email: "admin",
        "nouvel.agent@drome.fr": "agent",
    }

    new_id = created.json()["user_id"]
    assert client.delete(f"{members}/{new_id}", headers=org.admin.headers).status_code == 204
    assert client.delete(f"{members}/{new_id}", headers=org.admin.headers).status_code == 404
    # The last admin cannot leave.
    assert client.delete(f"{members}/{org.agent.user.id}", headers=org.admin.headers).status_code == 204
    assert client.delete(f"{members}/{org.admin.user.id}", headers=org.admin.headers).status_code == 409


def test_the_operator_names_the_first_admin_of_a_new_organisation(
    client: TestClient, session: Session, account
) -> None:
    operator = account(superadmin=True)
    org_id = client.post("/api/organisations", json=ORGANISATION, headers=operator.headers).json()["id"]
    first = {"email": "admin@ardeche.fr", "role": "admin", "password": "un mot de passe long"}
    assert (
        client.post(f"/api/organisations/{org_id}/members", json=first, headers=operator.headers).status_code
        == 201
    )
    assert (
        client.post("/api/organisations/987654/members", json=first, headers=operator.headers).status_code
        == 404
    )


def test_offers_are_read_by_anyone_signed_in_and_imported_by_admins(
    client: TestClient, session: Session, account
) -> None:
    org = f.organisation(session)
    agent, admin = account({org.id: "agent"}), account({org.id: "admin"})
    empty = {"structures": [], "services": []}
    params = {"theme": "mobilite", "departement_code": "26"}
    assert client.get("/api/offers", params=params, headers=account().headers).status_code == 200
    assert client.post("/api/offers/import", json=empty, headers=agent.headers).status_code == 403
    assert client.post("/api/offers/import", json=empty, headers=admin.headers).status_code == 200
    operator = account(superadmin=True)
    assert client.post("/api/offers/import", json=empty, headers=operator.headers).status_code == 200


def test_unknown_numbers_queue_is_for_the_platform_operator(
    client: TestClient, session: Session, account
) -> None:
    from api.handoffs import service as handoff_service

    org = f.organisation(session)
    stranger = handoff_service.open_request(
        session, reason="unknown_number", phone="+33611223344", text="allo"
    )
    agent, operator = account({org.id: "agent"}), account(superadmin=True)
    assert stranger.id not in {h["id"] for h in client.get("/api/handoffs", headers=agent.headers).json()}
    assert stranger.id in {h["id"] for h in client.get("/api/handoffs", headers=operator.headers).json()}
