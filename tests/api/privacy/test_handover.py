"""The handover export: a documented, versioned JSON of the person's carnet, for the holder only."""

import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.appointments import service as appointment_service
from api.db import utcnow
from tests.api import factories as f
from tests.api.followers.world import World, build_world
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "docs" / "handover-format.schema.json").read_text(encoding="utf-8"))
DOC = (ROOT / "docs" / "handover-format.md").read_text(encoding="utf-8")


@pytest.fixture
def world(session: Session, client: TestClient) -> World:
    """The département, a France Travail agency and an association around one person."""
    return build_world(session, client)


@pytest.fixture
def handed_over(world: World, session: Session) -> dict:
    """The département's export once the agency follows, with référents, consent and a booking."""
    organisation = world.departement.organisation
    place, motif = f.place(session, organisation), f.motif(session, organisation)
    starts = f.weekday_starts(utcnow() + timedelta(days=1), ZoneInfo("Europe/Paris"), 1)
    slot = f.slots(session, place, motif, starts)[0]
    assert (
        appointment_service.book(session, beneficiary=world.person, slot_id=slot.id, now=utcnow()) is not None
    )
    world.follow(world.agency)
    agency = world.agency.organisation.id
    world.put(
        world.agency.agent,
        f"{world.base}/followers/{agency}/referents",
        json={"user_ids": [world.agency.agent.user.id]},
    ).raise_for_status()
    world.post(world.agency.agent, f"{world.base}/sharing-consent", json={}).raise_for_status()
    response = world.get(world.departement.agent, f"{world.base}/handover").raise_for_status()
    assert response.headers["content-disposition"] == f'attachment; filename="carnet-{world.person.id}.json"'
    return response.json()


def test_the_export_validates_against_the_documented_schema(handed_over: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(handed_over, SCHEMA)


def test_the_export_holds_the_person_s_structures_appointments_exchanges_and_barriers(
    world: World, handed_over: dict
) -> None:
    assert handed_over["format"] == "spie-handover/1"
    assert handed_over["person"]["phone"] == world.person.phone
    structures = {s["name"]: s for s in handed_over["structures"]}
    assert structures["Département de la Drôme"]["holds_record"] is True
    assert structures["France Travail Valence"]["referents"] == [{"email": world.agency.agent.user.email}]
    assert handed_over["sharing_consent"]["given"] is True
    assert [a["motif"] for a in handed_over["appointments"]] == ["Orientation RSA"]
    exchanges = {(e["kind"], e["direction"], e["text"]) for e in handed_over["exchanges"]}
    assert ("inbound_message", "from_person", world.words.body) in exchanges
    assert ("note", "internal", world.note.body) in exchanges
    assert [b["words"] for b in handed_over["barriers"]] == ["pas de voiture"]
    assert handed_over["orientations"] == []


def test_the_documented_example_validates_and_is_the_documented_version() -> None:
    blocks = re.findall(r"```json\n(.*?)\n```", DOC, flags=re.DOTALL)
    assert blocks, "docs/handover-format.md has no JSON example"
    for block in blocks:
        example = json.loads(block)
        jsonschema.validate(example, SCHEMA)
        assert example["format"] == SCHEMA["properties"]["format"]["const"]


def test_only_the_holder_exports_and_the_export_is_audited(world: World, session: Session) -> None:
    world.follow(world.agency)
    for structure in (world.agency, world.stranger):
        assert world.get(structure.admin, f"{world.base}/handover").status_code == 404
    world.get(world.departement.agent, f"{world.base}/handover").raise_for_status()
    actions = session.scalars(select(AuditLog.action).where(AuditLog.beneficiary_id == world.person.id)).all()
    assert "beneficiary.handover" in actions
