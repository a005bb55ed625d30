"""The gateway in-process, through the simulator, with Rasa down: nothing is lost."""

import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.carnet import service as carnet_service
from api.db import session_scope
from api.handoffs.models import HandoffRequest
from api.messaging import texts
from bot.main import create_app
from tests.api import factories as f


def test_message_rasa_could_not_handle_lands_in_the_carnet_and_reaches_a_human() -> None:
    with session_scope() as session:
        org = f.organisation(session)
        person = f.beneficiary(session, org)
        session.commit()
        person_id, phone = person.id, person.phone

    with TestClient(create_app()) as client:
        assert client.get("/simulateur").status_code == 200
        response = client.post("/simulateur/messages", json={"phone": phone, "body": "le 2 svp"})
        assert response.status_code == 202
        deadline = time.monotonic() + 20
        lines: list[dict] = []
        while time.monotonic() < deadline:
            lines = client.get("/simulateur/messages", params={"phone": phone}).json()
            if any(line["direction"] == "out" and line["state"] == "sent" for line in lines):
                break
            time.sleep(0.2)
    assert [(line["direction"], line["body"]) for line in lines] == [
        ("in", "le 2 svp"),
        ("out", texts.TECHNICAL_PROBLEM),
    ]
    assert lines[1]["segments"] == 1
    with session_scope() as session:
        kinds = [e.kind for e in carnet_service.list_entries(session, beneficiary_id=person_id)]
        reasons = list(
            session.scalars(select(HandoffRequest.reason).where(HandoffRequest.beneficiary_id == person_id))
        )
    assert kinds == ["inbound_message", "outbound_message", "handoff_requested"]
    assert reasons == ["bot_unavailable"]


def test_simulator_refuses_a_landline() -> None:
    with TestClient(create_app()) as client:
        response = client.post("/simulateur/messages", json={"phone": "04 75 79 26 26", "body": "bonjour"})
    assert response.status_code == 422
