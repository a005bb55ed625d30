"""REST API of orientation requests: search, send, answer, and who sees what (404 otherwise)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.carnet.models import CarnetEntry
from api.messaging.models import OutboxMessage
from api.messaging.segments import count_segments, is_gsm7
from api.orientations.models import OrientationMail
from tests.api.orientations.world import MAILBOX, THEME, OrientationWorld


def _send(world: OrientationWorld, service_id: int, *, account=None, reason: str = "n'a plus de voiture"):
    account = account or world.base.agency.agent
    return world.client.post(
        f"{world.person_path}/orientations",
        headers=account.headers,
        json={"service_id": service_id, "theme": THEME, "reason": reason},
    )


def test_the_search_finds_the_services_near_the_person_that_a_request_reaches(
    world: OrientationWorld,
) -> None:
    world.base.follow(world.base.agency)
    response = world.client.get(
        f"{world.person_path}/orientation-services",
        headers=world.base.agency.agent.headers,
        params={"theme": "mobilite"},
    )
    found = {(row["service"]["nom"], row["receives_by"]) for row in response.raise_for_status().json()}
    # Neither the service without account nor e-mail, nor the one in the Ardèche.
    assert found == {("Location de voiture à 1 euro", "account"), ("Prêt de scooter", "email")}


def test_a_follower_sends_and_the_receiving_structure_accepts(
    world: OrientationWorld, session: Session
) -> None:
    world.base.follow(world.base.agency)
    sent = _send(world, world.garage_service.id)
    assert sent.status_code == 201, sent.text
    request = sent.json()
    assert (request["state"], request["from_organisation_name"], request["to_organisation_id"]) == (
        "open",
        "France Travail Valence",
        world.garage.organisation.id,
    )
    assert request["mail_state"] is None  # a structure with accounts: no mail
    garage = world.garage.agent
    received = world.client.get("/api/orientations", headers=garage.headers).raise_for_status().json()
    assert [row["id"] for row in received] == [request["id"]]
    assert received[0]["person"]["first_name"] == "Marie"
    accepted = world.client.post(
        f"/api/orientations/{request['id']}/accept", headers=garage.headers, json={"reason": "RDV le 12/01"}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    # The person is told by SMS, in one GSM-7 SMS, with how to reach the service.
    sms = session.get(OutboxMessage, accepted.json()["outbox_message_id"])
    assert (
        sms is not None and sms.beneficiary_id == world.base.person.id and sms.kind == "orientation_accepted"
    )
    assert "04 75 12 34 56" in sms.body and "Garage solidaire de Valence" in sms.body
    assert is_gsm7(sms.body) and count_segments(sms.body).segments == 1
    # Every step is in the carnet, which the sender reads.
    carnet = world.client.get(f"{world.person_path}/carnet", headers=world.base.agency.agent.headers).json()
    kinds = [entry["kind"] for entry in carnet if entry["kind"].startswith("orientation")]
    assert kinds == ["orientation_sent", "orientation_accepted"]
    # A second answer is a conflict.
    again = world.client.post(
        f"/api/orientations/{request['id']}/refuse", headers=garage.headers, json={"reason": "x"}
    )
    assert again.status_code == 409
    # The garage read a person of the département: audited in the département's log.
    actions = session.scalars(
        select(AuditLog.action).where(
            AuditLog.user_id == garage.user.id,
            AuditLog.organisation_id == world.base.departement.organisation.id,
        )
    ).all()
    assert "orientation.list_received" in actions and "orientation.accept" in actions


def test_a_refusal_needs_a_reason_and_sends_no_sms(world: OrientationWorld, session: Session) -> None:
    request = _send(world, world.garage_service.id, account=world.base.departement.agent).json()
    garage = world.garage.admin
    path = f"/api/orientations/{request['id']}/refuse"
    assert world.client.post(path, headers=garage.headers, json={"reason": " "}).status_code == 422
    refused = world.client.post(path, headers=garage.headers, json={"reason": "plus de voiture disponible"})
    assert refused.json()["state"] == "refused" and refused.json()["outbox_message_id"] is None
    assert refused.json()["answer_reason"] == "plus de voiture disponible"
    sms = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "orientation_accepted")).all()
    assert sms == []


def test_a_structure_without_account_gets_a_mail_with_an_answer_link(
    world: OrientationWorld, session: Session
) -> None:
    request = _send(world, world.mail_service.id, account=world.base.departement.agent).json()
    assert (request["to_email"], request["mail_state"]) == (MAILBOX, "pending")
    mail = session.scalars(select(OrientationMail)).one()
    assert mail.to_address == MAILBOX and "/orientations/reponse/" in mail.body
    # The mail says the first name and an initial, never the phone number or the surname.
    assert (
        "Marie D" in mail.subject and world.base.person.phone not in mail.body and "Durand" not in mail.body
    )


def test_requests_that_cannot_be_sent(world: OrientationWorld) -> None:
    agent = world.base.departement.agent
    assert _send(world, world.unreachable_service.id, account=agent).status_code == 422
    assert _send(world, world.far_service.id, account=agent).status_code == 422
    assert _send(world, 987_654_321, account=agent).status_code == 404
    assert _send(world, world.garage_service.id, account=agent).status_code == 201
    assert _send(world, world.garage_service.id, account=agent).status_code == 409  # still open


def test_who_sees_a_request(world: OrientationWorld) -> None:
    request = _send(world, world.garage_service.id, account=world.base.departement.agent).json()
    path = f"/api/orientations/{request['id']}"
    # The holder, the receiving structure: yes. The agency, before it follows: 404; after: yes.
    assert world.client.get(path, headers=world.base.departement.agent.headers).status_code == 200
    assert world.client.get(path, headers=world.garage.agent.headers).status_code == 200
    assert world.client.get(path, headers=world.base.agency.agent.headers).status_code == 404
    # A structure that neither follows the person nor received the request: 404 everywhere.
    stranger = world.base.stranger.admin
    for method, url in (
        ("GET", path),
        ("POST", f"{path}/accept"),
        ("POST", f"{path}/refuse"),
        ("GET", f"{world.person_path}/orientations"),
        ("GET", f"{world.person_path}/orientation-services?theme=mobilite"),
        ("POST", f"{world.person_path}/orientations"),
    ):
        body = {"service_id": world.garage_service.id, "theme": THEME, "reason": "x"}
        answer = world.client.request(method, url, headers=stranger.headers, json=body)
        assert answer.status_code == 404, (method, url, answer.text)
    assert world.client.get("/api/orientations", headers=stranger.headers).json() == []
    # The receiving structure does not read the person's carnet for all that.
    assert (
        world.client.get(f"{world.person_path}/carnet", headers=world.garage.agent.headers).status_code == 404
    )
    world.base.follow(world.base.agency)
    assert world.client.get(path, headers=world.base.agency.agent.headers).status_code == 200
    # A follower that did not receive it may not answer it (403).
    answer = world.client.post(f"{path}/accept", headers=world.base.agency.agent.headers, json={})
    assert answer.status_code == 403


def test_the_sender_sees_the_outcome_in_its_sent_box(world: OrientationWorld) -> None:
    world.base.follow(world.base.agency)
    request = _send(world, world.garage_service.id).json()
    world.client.post(
        f"/api/orientations/{request['id']}/accept", headers=world.garage.agent.headers, json={}
    )
    sent = world.client.get(
        "/api/orientations", headers=world.base.agency.admin.headers, params={"box": "sent"}
    )
    assert [(row["id"], row["state"]) for row in sent.json()] == [(request["id"], "accepted")]


def test_carnet_entries_of_a_request_hold_no_words_of_the_person(
    world: OrientationWorld, session: Session
) -> None:
    _send(world, world.garage_service.id, account=world.base.departement.agent)
    entry = session.scalars(select(CarnetEntry).where(CarnetEntry.kind == "orientation_sent")).one()
    assert (entry.author, entry.body, entry.data["service"]) == (
        "professional",
        "n'a plus de voiture",
        "Location de voiture à 1 euro",
    )
