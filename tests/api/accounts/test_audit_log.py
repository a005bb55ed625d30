"""Every read of a carnet is in the audit log, which the organisation's admins read."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.world import build_org


def test_carnet_reads_are_logged_and_admins_read_the_log(client: TestClient, session: Session) -> None:
    a = build_org(session, "Département A")
    b = build_org(session, "Département B")
    carnet = f"/api/beneficiaries/{a.person.id}/carnet"
    assert client.get(carnet, headers=a.agent.headers).status_code == 200
    assert client.get(carnet, headers=a.admin.headers).status_code == 200
    assert client.get(carnet, headers=b.admin.headers).status_code == 404  # not logged: nothing was read

    log = client.get("/api/audit-log", headers=a.admin.headers)
    assert log.status_code == 200
    lines = [(line["action"], line["user_email"], line["beneficiary_id"]) for line in log.json()]
    assert lines == [
        ("carnet.read", a.admin.user.email, a.person.id),
        ("carnet.read", a.agent.user.email, a.person.id),
    ]
    assert all(line["organisation_id"] == a.organisation.id and line["ip"] for line in log.json())

    # Agents do not read the log; B's admin does not see A's lines.
    assert client.get("/api/audit-log", headers=a.agent.headers).status_code == 403
    own = {"organisation_id": a.organisation.id}
    assert client.get("/api/audit-log", params=own, headers=a.agent.headers).status_code == 403
    assert client.get("/api/audit-log", headers=b.admin.headers).json() == []
    filtered = client.get(
        "/api/audit-log", params={"beneficiary_id": a.person.id, "limit": 1}, headers=a.admin.headers
    )
    assert [line["user_email"] for line in filtered.json()] == [a.admin.user.email]


def test_barrier_lists_log_each_person_read(client: TestClient, session: Session) -> None:
    a = build_org(session, "Département A")
    barriers = client.get("/api/barriers", headers=a.agent.headers).json()
    assert [barrier["words"] for barrier in barriers] == ["pas de voiture"]
    log = client.get("/api/audit-log", params={"action": "barriers.read"}, headers=a.admin.headers).json()
    assert [(line["user_email"], line["beneficiary_id"]) for line in log] == [
        (a.agent.user.email, a.person.id)
    ]


def test_member_changes_are_logged(client: TestClient, session: Session) -> None:
    a = build_org(session, "Département A")
    members = f"/api/organisations/{a.organisation.id}/members"
    new = {"email": "nouvelle@drome.fr", "role": "agent", "password": "un mot de passe long"}
    user_id = client.post(members, json=new, headers=a.admin.headers).json()["user_id"]
    client.delete(f"{members}/{user_id}", headers=a.admin.headers)
    log = client.get("/api/audit-log", headers=a.admin.headers).json()
    assert [(line["action"], line["detail"]) for line in log] == [
        ("member.remove", "nouvelle@drome.fr"),
        ("member.add", "nouvelle@drome.fr agent"),
    ]
