"""Issue 15: the consent to share asked by SMS and answered in the person's words, through the
real processes (the question leaves the outbox, the answer goes through Rasa and the actions)."""

from tests.e2e.conftest import Agenda
from tests.e2e.system import System
from tests.e2e.test_booking_journey import carnet


def _ask(system: System, person: dict) -> str:
    system.api.post(f"/api/beneficiaries/{person['id']}/sharing-consent/question").raise_for_status()
    question = system.wait_replies(person["phone"], 1)[0]["Body"]
    assert "Répondez OUI ou NON" in question, question
    return question


def _consent(system: System, person: dict) -> dict:
    return system.api.get(f"/api/beneficiaries/{person['id']}/sharing-consent").raise_for_status().json()


def test_a_oui_gives_the_consent_by_sms(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    _ask(system, person)
    system.text(person["phone"], "oui pas de souci")
    reply = system.wait_replies(person["phone"], 2)[1]["Body"]
    assert reply.startswith("Merci, c'est noté. Les structures qui vous suivent verront vos messages"), reply
    consent = _consent(system, person)
    assert consent["given"] is True and consent["history"][0]["given_how"] == "sms"
    kinds = [entry["kind"] for entry in carnet(system, person)]
    assert kinds.index("consent_asked") < kinds.index("consent_given")


def test_a_non_records_the_refusal(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    _ask(system, person)
    system.text(person["phone"], "non merci")
    reply = system.wait_replies(person["phone"], 2)[1]["Body"]
    assert "ne seront pas montrés aux autres structures" in reply, reply
    assert _consent(system, person)["given"] is False
    assert "consent_refused" in [entry["kind"] for entry in carnet(system, person)]


def test_a_question_in_between_is_answered_and_the_consent_question_waits(
    system: System, agenda: Agenda
) -> None:
    person = agenda.person()
    _ask(system, person)
    system.text(person["phone"], "vous etes qui ?")
    about_us = system.wait_replies(person["phone"], 2)[1]["Body"]
    assert "OUI" not in about_us and _consent(system, person)["given"] is False
    system.text(person["phone"], "ok d'accord")
    reply = system.wait_replies(person["phone"], 3)[2]["Body"]
    assert reply.startswith("Merci, c'est noté."), reply
    assert _consent(system, person)["given"] is True
