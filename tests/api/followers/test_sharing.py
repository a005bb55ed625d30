"""Sharing the carnet with the structures that follow the person: what each one sees, and when."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.carnet import service as carnet_service
from api.followers.models import Follower
from tests.api.console.conftest import log_in
from tests.api.followers.world import World


def _kinds(world: World, account) -> list[str]:
    return [entry["kind"] for entry in world.get(account, f"{world.base}/carnet").raise_for_status().json()]


def test_the_holder_sees_every_entry(world: World) -> None:
    world.follow(world.agency)
    assert _kinds(world, world.departement.agent) == [
        "inbound_message",
        "barrier",
        "appointment_booked",
        "note",
    ]


def test_without_consent_another_structure_sees_no_words_and_no_notes(world: World) -> None:
    world.follow(world.agency)
    entries = world.get(world.agency.agent, f"{world.base}/carnet").raise_for_status().json()
    assert [entry["kind"] for entry in entries] == ["appointment_booked"]
    assert "voiture" not in str(entries) and "médical" not in str(entries)


def test_with_consent_another_structure_sees_the_words_but_never_the_notes(world: World) -> None:
    world.follow(world.agency)
    given = world.post(
        world.agency.agent, f"{world.base}/sharing-consent", json={"note": "accord donné au téléphone"}
    ).raise_for_status()
    assert given.json()["given"] is True
    record = given.json()["history"][0]
    assert (record["given_how"], record["given_by_user_id"], record["note"]) == (
        "professional",
        world.agency.agent.user.id,
        "accord donné au téléphone",
    )
    entries = world.get(world.agency.agent, f"{world.base}/carnet").json()
    assert [entry["kind"] for entry in entries] == ["inbound_message", "barrier", "appointment_booked"]
    assert entries[0]["body"] == world.words.body


def test_withdrawn_consent_hides_the_words_again_and_history_stays(world: World) -> None:
    world.follow(world.agency)
    world.post(world.departement.agent, f"{world.base}/sharing-consent", json={}).raise_for_status()
    assert "inbound_message" in _kinds(world, world.agency.agent)
    withdrawn = (
        world.delete(world.departement.agent, f"{world.base}/sharing-consent").raise_for_status().json()
    )
    assert withdrawn["given"] is False
    assert withdrawn["history"][0]["withdrawn_by_user_id"] == world.departement.agent.user.id
    assert _kinds(world, world.agency.agent) == ["appointment_booked"]
    # Given again: a new record, the withdrawn one kept.
    again = world.post(world.agency.agent, f"{world.base}/sharing-consent", json={}).raise_for_status().json()
    assert [row["withdrawn_at"] is None for row in again["history"]] == [True, False]


def test_consent_twice_is_a_conflict_and_withdrawing_none_is_404(world: World) -> None:
    path = f"{world.base}/sharing-consent"
    assert world.delete(world.departement.agent, path).status_code == 404
    assert world.post(world.departement.agent, path, json={}).status_code == 201
    assert world.post(world.departement.agent, path, json={}).status_code == 409
    assert world.post(world.departement.agent, path, json={"how": "sms"}).status_code == 422


def test_a_structure_that_stopped_following_sees_entries_up_to_its_end_only(
    world: World, session: Session
) -> None:
    world.follow(world.agency)
    world.post(world.departement.agent, f"{world.base}/sharing-consent", json={}).raise_for_status()
    agency = world.agency.organisation.id
    world.delete(world.agency.agent, f"{world.base}/followers/{agency}").raise_for_status()
    ended = session.scalars(select(Follower.ended_at).where(Follower.organisation_id == agency)).one()
    later = carnet_service.add_entry(
        session, beneficiary_id=world.person.id, kind="appointment_moved", author="assistant", body="déplacé"
    )
    later.created_at = ended + timedelta(seconds=1)
    session.flush()
    assert _kinds(world, world.agency.agent) == ["inbound_message", "barrier", "appointment_booked"]
    assert "appointment_moved" in _kinds(world, world.departement.agent)


def test_each_read_from_another_structure_is_in_the_holder_s_audit_log(
    world: World, session: Session
) -> None:
    world.follow(world.agency)
    world.get(world.agency.agent, f"{world.base}/carnet").raise_for_status()
    world.post(world.agency.agent, f"{world.base}/sharing-consent", json={}).raise_for_status()
    world.get(world.agency.agent, f"{world.base}/carnet").raise_for_status()
    lines = session.scalars(
        select(AuditLog)
        .where(AuditLog.user_id == world.agency.agent.user.id, AuditLog.action == "carnet.read_shared")
        .order_by(AuditLog.id)
    ).all()
    origin = f"from organisation {world.agency.organisation.id}"
    assert [(line.organisation_id, line.beneficiary_id, line.detail) for line in lines] == [
        (world.departement.organisation.id, world.person.id, f"{origin}: 1 entries, words withheld"),
        (world.departement.organisation.id, world.person.id, f"{origin}: 3 entries, words shown"),
    ]
    # The holder's own reads stay plain carnet.read lines.
    world.get(world.departement.agent, f"{world.base}/carnet").raise_for_status()
    own = session.scalars(select(AuditLog.action).where(AuditLog.user_id == world.departement.agent.user.id))
    assert "carnet.read" in own.all()


def test_a_structure_that_does_not_follow_gets_404_on_the_carnet_even_with_consent(world: World) -> None:
    world.post(world.departement.agent, f"{world.base}/sharing-consent", json={}).raise_for_status()
    assert world.get(world.stranger.agent, f"{world.base}/carnet").status_code == 404
    assert world.get(world.agency.agent, f"{world.base}/carnet").status_code == 404


def test_the_console_shows_the_consent(world: World) -> None:
    world.post(world.departement.agent, f"{world.base}/sharing-consent", json={}).raise_for_status()
    log_in(world.client, world.departement.agent)
    html = world.client.get(f"/console/beneficiaires/{world.person.id}").text
    assert "Accord de partage donné le" in html and "noté par un professionnel" in html


def test_the_console_notes_the_consent_and_its_withdrawal(world: World, session: Session) -> None:
    world.follow(world.agency)
    csrf = log_in(world.client, world.departement.agent)
    path = f"/console/beneficiaires/{world.person.id}/partage"
    given = world.client.post(
        path, data={"csrf_token": csrf, "action": "donner", "note": "dit au guichet"}, follow_redirects=False
    )
    assert given.status_code == 303 and given.headers["location"].endswith("?ok=partage-donne#suivi")
    assert "inbound_message" in _kinds(world, world.agency.agent)
    consent = world.get(world.departement.agent, f"{world.base}/sharing-consent").json()["history"][0]
    assert (consent["given_by_user_id"], consent["note"]) == (
        world.departement.agent.user.id,
        "dit au guichet",
    )
    assert "La personne retire son accord" in world.client.get(given.headers["location"]).text
    withdrawn = world.client.post(
        path, data={"csrf_token": csrf, "action": "retirer"}, follow_redirects=False
    )
    assert withdrawn.headers["location"].endswith("?ok=partage-retire#suivi")
    assert _kinds(world, world.agency.agent) == ["appointment_booked"]
    # Without the session's CSRF token nothing changes.
    forged = world.client.post(
        path, data={"csrf_token": "forged", "action": "donner"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert world.get(world.departement.agent, f"{world.base}/sharing-consent").json()["given"] is False
    # Another structure's professional cannot use the console on this person (404, as a missing one).
    other = TestClient(world.client.app)
    log_in(other, world.agency.agent)
    assert other.get(f"/console/beneficiaires/{world.person.id}").status_code == 404
