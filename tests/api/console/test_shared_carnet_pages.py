"""The console of a structure that follows a person whose record another organisation holds."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.carnet import service as carnet_service
from tests.api.console.conftest import log_in
from tests.api.followers.world import World, build_world


@pytest.fixture
def world(session: Session, client: TestClient) -> World:
    return build_world(session, client)


def _page(world: World, account) -> str:
    log_in(world.client, account)
    response = world.client.get(f"/console/suivis/{world.person.id}")
    assert response.status_code == 200, response.text
    return response.text


def test_the_agency_lists_the_people_it_follows_and_not_the_others(world: World) -> None:
    log_in(world.client, world.agency.agent)
    assert "Aucune personne suivie" in world.client.get("/console/suivis").text
    world.follow(world.agency)
    listing = world.client.get("/console/suivis").text
    assert f"/console/suivis/{world.person.id}" in listing and "Département de la Drôme" in listing


def test_without_consent_the_agency_sees_the_booking_but_no_words_and_no_notes(
    session: Session, world: World
) -> None:
    world.follow(world.agency)
    html = _page(world, world.agency.agent)
    assert "Rendez-vous le 12/01" in html
    assert world.words.body not in html and "pas de voiture" not in html
    assert world.note.body not in html
    assert "n'a pas donné son accord au partage" in html
    assert "Écrire à la personne" not in html  # read-only: writing stays with the holder
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "carnet.read_shared")).one()
    assert audit.organisation_id == world.departement.organisation.id
    assert audit.detail.startswith(f"from organisation {world.agency.organisation.id}: console: 1 entries")


def test_with_consent_the_agency_sees_the_words_but_never_the_notes(world: World) -> None:
    world.follow(world.agency)
    world.post(world.departement.agent, f"{world.base}/sharing-consent", json={}).raise_for_status()
    html = _page(world, world.agency.agent)
    assert world.words.body.replace("'", "&#39;") in html
    assert world.note.body not in html


def test_after_its_follow_up_ends_the_agency_sees_nothing_newer(session: Session, world: World) -> None:
    world.follow(world.agency)
    world.delete(world.departement.agent, f"{world.base}/followers/{world.agency.organisation.id}")
    carnet_service.add_entry(
        session,
        beneficiary_id=world.person.id,
        kind="appointment_moved",
        author="assistant",
        body="Déplacé au 20/01",
    )
    html = _page(world, world.agency.agent)
    assert "ne suit plus cette personne" in html
    assert "Rendez-vous le 12/01" in html and "Déplacé au 20/01" not in html


def test_a_structure_that_never_followed_gets_404_and_the_holder_its_own_page(world: World) -> None:
    world.follow(world.agency)
    log_in(world.client, world.stranger.admin)
    assert world.client.get(f"/console/suivis/{world.person.id}").status_code == 404
    assert world.client.get("/console/suivis/999999").status_code == 404
    holder = TestClient(world.client.app)
    log_in(holder, world.departement.agent)
    redirected = holder.get(f"/console/suivis/{world.person.id}", follow_redirects=False)
    assert redirected.status_code == 303
    assert redirected.headers["location"] == f"/console/beneficiaires/{world.person.id}"
