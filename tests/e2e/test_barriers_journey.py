"""Issue 4 through the real processes: barriers heard in the person's words, offers, the queue."""

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import delete

from api.db import session_scope
from api.offers.models import Service, Structure
from tests.e2e.conftest import Agenda
from tests.e2e.system import ROOT, System, wait_for
from tests.e2e.test_booking_journey import ADDRESS, appointments, carnet, handoffs

VALENCE = "26362"


@pytest.fixture(scope="module", autouse=True)
def demo_offers(system: System) -> Iterator[None]:
    catalogue = json.loads((ROOT / "api" / "offers" / "demo_offers.json").read_text(encoding="utf-8"))
    report = system.api.post("/api/offers/import", json=catalogue).raise_for_status().json()
    assert not report.get("rejected"), report
    yield
    # The catalogue is shared by the whole test database: leave it as it was.
    with session_scope() as session:
        session.execute(delete(Service).where(Service.source == "demo-drome"))
        session.execute(delete(Structure).where(Structure.source == "demo-drome"))
        session.commit()


def barriers(system: System, person: dict) -> list[dict]:
    return [e for e in carnet(system, person) if e["kind"] == "barrier"]


def test_childcare_in_the_middle_of_a_slot_choice_then_booking(system: System, agenda: Agenda) -> None:
    person = agenda.person(code_insee=VALENCE)
    invitation = agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    system.text(person["phone"], "j'ai personne pour garder ma fille")
    offers, resume = (m["Body"] for m in system.wait_replies(person["phone"], 3)[1:])
    assert "Crèche AVIP Les Petits Pas" in offers or "Creche AVIP Les Petits Pas" in offers
    assert "Halte-garderie Les Lutins" not in offers  # Crest: does not cover Valence
    assert "1) " in resume
    [barrier] = barriers(system, person)
    assert barrier["data"]["themes"] == ["famille--garde-denfants"]
    assert barrier["body"] == "j'ai personne pour garder ma fille"
    assert barrier["data"]["offer_names"]

    system.text(person["phone"], "le 2")
    assert ADDRESS in system.wait_replies(person["phone"], 4)[3]["Body"]
    assert [a["slot_id"] for a in appointments(system, person)] == [invitation["offered_slot_ids"][1]]


def test_mobility_question_after_booking(system: System, agenda: Agenda) -> None:
    person = agenda.person(code_insee=VALENCE)
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    system.text(person["phone"], "1")
    system.wait_replies(person["phone"], 2)
    system.text(person["phone"], "j'ai pas de voiture c loin")
    replies = system.wait_replies(person["phone"], 3)
    assert "- " in replies[2]["Body"]
    [barrier] = barriers(system, person)
    assert barrier["data"]["group"] == "mobilite"
    listed = system.api.get("/api/barriers", params={"theme": "mobilite--acceder-a-un-vehicule"}).json()
    assert barrier["id"] in [b["carnet_entry_id"] for b in listed]


def test_no_offer_nearby_says_so_and_tells_a_professional(system: System) -> None:
    agenda = Agenda(system)
    person = agenda.person(code_insee="26198")  # Montélimar: no childcare offer in the demo
    system.text(person["phone"], "je peux venir avec mon bebe ?")
    reply = system.wait_replies(person["phone"], 1)[0]["Body"]
    assert "d'ici" in reply
    queued = wait_for(
        lambda: [h for h in handoffs(system) if h["beneficiary_id"] == person["id"]], what="queue"
    )
    assert queued[0]["reason"] == "no_offer"


def test_human_request_says_when_to_expect_a_call(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    system.text(person["phone"], "appelez moi svp")
    assert "d'ici" in system.wait_replies(person["phone"], 1)[0]["Body"]
    queued = wait_for(
        lambda: [h for h in handoffs(system) if h["beneficiary_id"] == person["id"]], what="queue"
    )
    assert queued[0]["reason"] == "asked_human" and queued[0]["text"] == "appelez moi svp"


def test_immersion_question_goes_to_a_professional(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    system.text(person["phone"], "c quoi une immersion en entreprise ?")
    assert "d'ici" in system.wait_replies(person["phone"], 1)[0]["Body"]
    queued = wait_for(
        lambda: [h for h in handoffs(system) if h["beneficiary_id"] == person["id"]], what="queue"
    )
    assert queued[0]["reason"] == "immersion"


def booked_with_questionnaire(system: System) -> dict:
    agenda = Agenda(system, questionnaire=True)
    person = agenda.person(code_insee=VALENCE)
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    system.text(person["phone"], "le 1")
    confirmation, question = (m["Body"] for m in system.wait_replies(person["phone"], 3)[1:])
    assert ADDRESS in confirmation and "comment viendrez-vous" in question
    return person


def test_questionnaire_after_booking_fills_the_carnet(system: System) -> None:
    person = booked_with_questionnaire(system)
    system.text(person["phone"], "4")
    offers, childcare = (m["Body"] for m in system.wait_replies(person["phone"], 5)[3:])
    assert "- " in offers and "garder un enfant" in childcare
    system.text(person["phone"], "oui j'ai personne")
    system.wait_replies(person["phone"], 7)  # childcare offers, then the last question
    system.text(person["phone"], "je parle mal francais")
    assert "noté pour votre conseiller" in system.wait_replies(person["phone"], 8)[7]["Body"]
    groups = [(b["data"]["group"], b["data"]["source"]) for b in barriers(system, person)]
    assert groups == [("mobilite", "questionnaire"), ("garde_enfants", "questionnaire")]
    notes = [e["body"] for e in carnet(system, person) if e["kind"] == "questionnaire_note"]
    assert notes == ["je parle mal francais"]


def test_questionnaire_hears_a_negation_as_no_transport(system: System) -> None:
    person = booked_with_questionnaire(system)
    system.text(person["phone"], "j'ai plus de voiture depuis un mois")
    offers, childcare = (m["Body"] for m in system.wait_replies(person["phone"], 5)[3:])
    assert "- " in offers and "garder un enfant" in childcare
    answers = [
        (e["data"]["question"], e["data"]["choice"])
        for e in carnet(system, person)
        if e["kind"] == "questionnaire_answer"
    ]
    assert answers == [("transport", "none")]
    assert [b["data"]["group"] for b in barriers(system, person)] == ["mobilite"]


def test_questionnaire_gives_way_to_a_cancellation_and_to_another_barrier(system: System) -> None:
    person = booked_with_questionnaire(system)
    system.text(person["phone"], "personne pour s'occuper de mon petit ce matin la")
    offers, question = (m["Body"] for m in system.wait_replies(person["phone"], 5)[3:])
    assert "- " in offers and "comment viendrez-vous" in question  # the question again
    assert [b["data"]["group"] for b in barriers(system, person)] == ["garde_enfants"]
    system.text(person["phone"], "en fait j'annule le rendez-vous")
    assert "annulé" in system.wait_replies(person["phone"], 6)[5]["Body"]
    assert appointments(system, person)[0]["status"] == "excused"
    assert not [e for e in carnet(system, person) if e["kind"] == "questionnaire_answer"]
