"""Point 3: Rasa's HTTP API needs its token; the RGPD erasure, its only user, has it.

Rasa leaves `/` and `/version` open: they tell the version of Rasa and nothing about anyone."""

import pytest

from tests.e2e.conftest import Agenda
from tests.e2e.system import System, wait_for

pytestmark = pytest.mark.e2e


def test_rasa_http_api_refuses_callers_without_the_token(system: System) -> None:
    attempts = [
        ("GET", "/status", None),
        ("GET", "/conversations/b-1/tracker", None),
        ("POST", "/conversations/b-1/messages", {"text": "2", "sender": "user"}),
        ("POST", "/conversations/b-1/trigger_intent", {"name": "affirm"}),
        ("PUT", "/conversations/b-1/tracker/events", []),
        ("POST", "/model/parse", {"text": "2"}),
        ("PUT", "/model", {"model_file": "models/not-a-model.tar.gz"}),
    ]
    for method, path, body in attempts:
        for params in ({}, {"token": "wrong-token"}):
            response = system.http.request(method, system.rasa_url + path, params=params, json=body)
            assert response.status_code == 401, (method, path, params, response.status_code)
    with_token = system.http.get(f"{system.rasa_url}/status", params={"token": system.rasa_auth_token})
    assert with_token.status_code == 200


def test_erasure_empties_the_rasa_conversation_with_the_token(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    system.text(person["phone"], "bonjour")
    system.wait_replies(person["phone"], 2)

    def user_events() -> list[dict]:
        tracker = system.http.get(
            f"{system.rasa_url}/conversations/b-{person['id']}/tracker",
            params={"token": system.rasa_auth_token},
        ).raise_for_status()
        return [event for event in tracker.json()["events"] if event["event"] == "user"]

    assert user_events()
    system.api.delete(f"/api/beneficiaries/{person['id']}").raise_for_status()
    wait_for(lambda: not user_events(), what="Rasa to forget the erased person's conversation")
