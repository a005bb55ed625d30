"""Orientation requests leave the record with the handover (docs/handover-format.md) and go with
the person's erasure."""

import json

import jsonschema
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.orientations.models import OrientationMail, OrientationRequest
from api.privacy.erasure import erase_person
from tests.api.orientations.world import MAILBOX, THEME, OrientationWorld
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "docs" / "handover-format.schema.json").read_text(encoding="utf-8"))


def _send(world: OrientationWorld, service_id: int) -> dict:
    body = {"service_id": service_id, "theme": THEME, "reason": "n'a plus de voiture"}
    response = world.client.post(
        f"{world.person_path}/orientations", headers=world.base.departement.agent.headers, json=body
    )
    return response.raise_for_status().json()


def test_the_handover_lists_the_requests_with_their_outcome(world: OrientationWorld) -> None:
    first = _send(world, world.garage_service.id)
    world.client.post(
        f"/api/orientations/{first['id']}/refuse",
        headers=world.garage.agent.headers,
        json={"reason": "complet"},
    ).raise_for_status()
    _send(world, world.mail_service.id)
    exported = world.client.get(f"{world.person_path}/handover", headers=world.base.departement.agent.headers)
    handed_over = exported.raise_for_status().json()
    jsonschema.validate(handed_over, SCHEMA)
    assert [(o["service"], o["to"], o["state"], o["answer_reason"]) for o in handed_over["orientations"]] == [
        ("Location de voiture à 1 euro", "Garage solidaire de Valence", "refused", "complet"),
        ("Prêt de scooter", MAILBOX, "open", ""),
    ]
    assert handed_over["orientations"][0]["from_organisation"] == "Département de la Drôme"
    # Listed apart, not repeated among the exchanges.
    assert not [e for e in handed_over["exchanges"] if e["kind"].startswith("orientation")]


def test_the_erasure_deletes_the_requests_and_their_mails(world: OrientationWorld, session: Session) -> None:
    accepted = _send(world, world.garage_service.id)
    world.client.post(
        f"/api/orientations/{accepted['id']}/accept", headers=world.garage.agent.headers, json={}
    ).raise_for_status()
    _send(world, world.mail_service.id)
    erase_person(session, world.base.person, reason="request", user_id=None, now=utcnow())
    session.flush()
    assert session.scalars(select(OrientationRequest)).all() == []
    assert session.scalars(select(OrientationMail)).all() == []
