"""Rasa on the production layout's stores (deploy/rasa/endpoints.yml): its trackers in
PostgreSQL survive a restart, and erasing a person empties their conversation there."""

from sqlalchemy import create_engine, text

from tests.e2e.conftest import Agenda
from tests.e2e.system import System, wait_for


def tracker_texts(system: System, person: dict) -> list[str]:
    """What the person said, as the running Rasa knows it (its HTTP API)."""
    tracker = (
        system.http.get(
            f"{system.rasa_url}/conversations/b-{person['id']}/tracker",
            params={"token": system.rasa_auth_token},
        )
        .raise_for_status()
        .json()
    )
    return [event.get("text") for event in tracker["events"] if event["event"] == "user"]


def stored_events(system: System, person: dict) -> int:
    """The person's rows in Rasa's tracker store (SQLTrackerStore's `events` table)."""
    engine = create_engine(system.stores.tracker_database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :sender"), {"sender": f"b-{person['id']}"}
            ).scalar_one()
    finally:
        engine.dispose()


def test_a_restarted_rasa_keeps_the_conversation_and_erasure_empties_it(system: System) -> None:
    agenda = Agenda(system)
    marie, paul = agenda.person("Marie"), agenda.person("Paul")
    for person in (marie, paul):
        agenda.invite(person)
        system.wait_replies(person["phone"], 1, timeout=60)
    system.text(marie["phone"], "le 2 svp")
    system.text(paul["phone"], "le 1")
    for person in (marie, paul):
        system.wait_replies(person["phone"], 2, timeout=60)
    assert tracker_texts(system, marie) == ["le 2 svp"]
    assert stored_events(system, marie) > 0

    system.kill("rasa")
    system.restart("rasa")
    # An in-memory tracker store would have forgotten her; the one in PostgreSQL has not.
    assert tracker_texts(system, marie) == ["le 2 svp"]
    system.text(marie["phone"], "merci")
    wait_for(lambda: tracker_texts(system, marie) == ["le 2 svp", "merci"], timeout=60, what="her next turn")

    system.api.delete(f"/api/beneficiaries/{marie['id']}").raise_for_status()
    wait_for(lambda: stored_events(system, marie) == 0, timeout=30, what="her events deleted")
    assert tracker_texts(system, marie) == []
    assert tracker_texts(system, paul) == ["le 1"], "only the erased person's conversation goes"
