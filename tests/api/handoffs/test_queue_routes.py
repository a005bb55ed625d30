"""Working the queue through the REST API: take (first come, first served) and close."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.carnet.models import CarnetEntry
from api.handoffs import service as handoff_service
from api.handoffs.models import HandoffRequest
from tests.api.accounts.factories import make_account
from tests.api.world import build_org


def _entry(session: Session, organisation_id: int) -> HandoffRequest:
    return session.scalars(select(HandoffRequest).filter_by(organisation_id=organisation_id)).one()


def _carnet_kinds(session: Session, beneficiary_id: int) -> list[str]:
    return list(session.scalars(select(CarnetEntry.kind).filter_by(beneficiary_id=beneficiary_id)))


def test_an_agent_takes_then_closes_and_the_carnet_says_who(client: TestClient, session: Session) -> None:
    org = build_org(session, "Département A")
    entry = _entry(session, org.organisation.id)

    taken = client.post(f"/api/handoffs/{entry.id}/take", headers=org.agent.headers)
    assert taken.status_code == 200, taken.text
    assert (taken.json()["state"], taken.json()["taken_by_user_id"]) == ("taken", org.agent.user.id)

    closed = client.post(f"/api/handoffs/{entry.id}/close", headers=org.agent.headers)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["state"], closed.json()["closed_by_user_id"]) == ("closed", org.agent.user.id)
    kinds = _carnet_kinds(session, org.person.id)
    assert kinds.count("handoff_taken") == 1 and kinds.count("handoff_closed") == 1


def test_the_second_taker_gets_409_and_the_entry_stays_with_the_first(
    client: TestClient, session: Session
) -> None:
    org = build_org(session, "Département A")
    entry = _entry(session, org.organisation.id)
    assert client.post(f"/api/handoffs/{entry.id}/take", headers=org.agent.headers).status_code == 200
    second = client.post(f"/api/handoffs/{entry.id}/take", headers=org.admin.headers)
    assert second.status_code == 409
    session.refresh(entry)
    assert entry.taken_by_user_id == org.agent.user.id
    assert _carnet_kinds(session, org.person.id).count("handoff_taken") == 1


def test_closing_twice_is_409_and_an_open_entry_can_be_closed_directly(
    client: TestClient, session: Session
) -> None:
    org = build_org(session, "Département A")
    entry = _entry(session, org.organisation.id)
    assert client.post(f"/api/handoffs/{entry.id}/close", headers=org.admin.headers).status_code == 200
    assert client.post(f"/api/handoffs/{entry.id}/close", headers=org.admin.headers).status_code == 409
    assert client.post(f"/api/handoffs/{entry.id}/take", headers=org.admin.headers).status_code == 409


def test_without_a_token_it_is_401(client: TestClient, session: Session) -> None:
    org = build_org(session, "Département A")
    entry = _entry(session, org.organisation.id)
    assert client.post(f"/api/handoffs/{entry.id}/take").status_code == 401
    assert client.post(f"/api/handoffs/{entry.id}/close").status_code == 401
    session.refresh(entry)
    assert entry.state == "open"


def test_an_unknown_numbers_entry_is_the_platform_operators(client: TestClient, session: Session) -> None:
    org = build_org(session, "Département A")
    stranger = handoff_service.open_request(
        session, reason="unknown_number", text="allo", phone="+33639980001"
    )
    operator = make_account(session, superadmin=True)
    assert client.post(f"/api/handoffs/{stranger.id}/take", headers=org.admin.headers).status_code == 404
    listed = client.get("/api/handoffs", headers=org.admin.headers).json()
    assert stranger.id not in {row["id"] for row in listed}
    assert stranger.id in {row["id"] for row in client.get("/api/handoffs", headers=operator.headers).json()}
    assert client.post(f"/api/handoffs/{stranger.id}/take", headers=operator.headers).status_code == 200
