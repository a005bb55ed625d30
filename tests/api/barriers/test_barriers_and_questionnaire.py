from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from api.barriers import service as barrier_service
from api.botapi import service as bot_service
from api.carnet import service as carnet_service
from api.handoffs.expectations import expected_call_label
from api.handoffs.models import HandoffRequest
from api.invitations import service as invitation_service
from api.messaging import texts
from api.messaging.inbound import record_inbound
from api.messaging.models import OutboxMessage
from api.offers.importer import load_demo_offers
from api.questionnaire import service as questionnaire
from tests.api import factories as f

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Friday


@pytest.fixture
def drome(session):
    load_demo_offers(session)
    org = f.organisation(session)
    org.departement_code = "26"
    place, motif = f.place(session, org), f.motif(session, org)
    f.slots(session, place, motif, f.weekday_starts(NOW, f.ZoneInfo("Europe/Paris"), 6))
    person = f.beneficiary(session, org)
    person.code_insee = "26362"  # Valence
    return org, motif, person


def replies(session, person) -> list[str]:
    query = (
        select(OutboxMessage.body).where(OutboxMessage.beneficiary_id == person.id).order_by(OutboxMessage.id)
    )
    return list(session.scalars(query))


def test_barrier_in_the_middle_of_a_slot_choice_gives_offers_and_resumes(session, drome) -> None:
    org, motif, person = drome
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    reply = bot_service.barrier(
        session,
        beneficiary_id=person.id,
        group="garde_enfants",
        text="j'ai personne pour garder ma fille",
        now=NOW,
    )
    assert reply.outcome == "offers"
    assert "- " in reply.offers_text and reply.pending_options_text.startswith("1) ")
    [entry] = [
        e for e in carnet_service.list_entries(session, beneficiary_id=person.id) if e.kind == "barrier"
    ]
    assert entry.body == "j'ai personne pour garder ma fille"
    assert entry.data["themes"] == ["famille--garde-denfants"] and entry.data["offer_ids"]
    listed = barrier_service.list_barriers(session, organisation_id=org.id, theme="famille--garde-denfants")
    assert [e.id for e, _ in listed] == [entry.id]
    assert (
        barrier_service.list_barriers(session, organisation_id=org.id, theme="mobilite--preparer-un-permis")
        == []
    )


def test_no_offer_tells_a_professional(session) -> None:
    org = f.organisation(session)
    org.departement_code = "59"  # no demo offer in the Nord
    person = f.beneficiary(session, org)
    reply = bot_service.barrier(
        session, beneficiary_id=person.id, group="permis", text="aide permis", now=NOW
    )
    assert reply.outcome == "no_offer" and reply.offers_text == ""
    reasons = session.scalars(select(HandoffRequest.reason).where(HandoffRequest.beneficiary_id == person.id))
    assert list(reasons) == ["no_offer"]


def test_expected_call_is_two_working_days_later(session) -> None:
    org = f.organisation(session)
    assert expected_call_label(org, NOW) == "d'ici mardi 1er décembre"  # Friday -> Tuesday
    christmas_eve = datetime(2026, 12, 24, 10, tzinfo=UTC)  # Thursday; 25 December is a holiday
    assert expected_call_label(org, christmas_eve) == "d'ici mardi 29 décembre"


def inbound(session, person, text: str):
    message, _ = record_inbound(
        session,
        message_sid=f"SM{abs(hash(text)) % 10**30:030d}",
        channel="sms",
        from_phone=person.phone,
        to_address="38123",
        body=text,
        num_media=0,
    )
    return message


def book_with_questionnaire(session, motif, person) -> str:
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    booked = bot_service.choose_slot(session, beneficiary_id=person.id, text="1", now=NOW)
    assert booked.outcome == "booked"
    return booked.follow_up_text


# The group each barrier intent comes with, as the actions send it (actions/common.py).
GROUP_OF_INTENT = {
    "barrier_childcare": "garde_enfants",
    "barrier_mobility": "mobilite",
    "barrier_licence": "permis",
    "barrier_housing": "logement",
    "barrier_health": "sante",
    "barrier_digital": "numerique",
}


def take(session, person, intent: str, text: str) -> questionnaire.Outcome:
    """The message as Rasa understood it (intent), through the questionnaire."""
    message = inbound(session, person, text)
    return questionnaire.take(
        session,
        beneficiary=person,
        intent=intent,
        barrier_group=GROUP_OF_INTENT.get(intent),
        text=text,
        inbound_id=message.id,
        now=NOW,
    )


def questionnaire_entries(session, person) -> list[tuple]:
    return [
        (e.data.get("question"), e.data.get("choice"), e.body)
        for e in carnet_service.list_entries(session, beneficiary_id=person.id)
        if e.kind in ("questionnaire_answer", "questionnaire_note")
    ]


def test_questionnaire_after_a_first_booking(session, drome) -> None:
    org, motif, person = drome
    assert book_with_questionnaire(session, motif, person).startswith("Pour préparer votre RDV")

    no_transport = take(session, person, "choose_slot", "4")
    assert no_transport.outcome == "answered"
    offers, childcare = no_transport.texts  # mobility offers, then the next question
    assert "- " in offers and childcare.startswith("Avez-vous besoin de faire garder")
    assert take(session, person, "deny", "non pas besoin").texts == [questionnaire.QUESTIONS["note"]]
    done = take(session, person, "barrier_health", "je suis en fauteuil, il faut un lieu accessible")
    assert done.outcome == "set_aside"  # a health barrier: offers, then the note question again
    assert questionnaire.current_question(person) == questionnaire.QUESTIONS["note"]
    assert (
        take(session, person, "out_of_scope", "je parle mal francais")
        .texts[-1]
        .startswith("Merci, c'est noté")
    )
    assert person.pending_question is None
    entries = carnet_service.list_entries(session, beneficiary_id=person.id)
    barriers = [e for e in entries if e.kind == "barrier"]
    assert [(b.data["group"], b.data["source"]) for b in barriers] == [("mobilite", "questionnaire")]
    assert questionnaire_entries(session, person) == [
        ("transport", "none", "4"),
        ("childcare", "no", "non pas besoin"),
        ("note", None, "je parle mal francais"),
    ]


@pytest.mark.parametrize(
    ("intent", "text", "choice"),
    [
        ("say_transport", "en voiture", "car"),
        ("say_transport", "ma soeur me depose", "car"),
        ("nlu_fallback", "le bus", "public"),
        ("say_transport", "a velo", "walk"),
        ("choose_slot", "le 2", "public"),
        ("nlu_fallback", "je n'ai pas de solution", "none"),
        # negations mean the opposite of the word, even where Rasa heard a mere statement
        ("say_transport", "j'ai plus de voiture", "none"),
        ("nlu_fallback", "la voiture est en panne", "none"),
        ("nlu_fallback", "le bus ne passe pas chez moi", "none"),
        ("barrier_mobility", "en bus mais j'ai pas d'argent pour le ticket", "none"),
        ("barrier_licence", "permis suspendu", "none"),
        ("nlu_fallback", "en marchant 10 minutes", "walk"),
    ],
)
def test_transport_answers_and_their_negations(session, drome, intent, text, choice) -> None:
    org, motif, person = drome
    book_with_questionnaire(session, motif, person)
    assert take(session, person, intent, text).outcome == "answered"
    assert questionnaire_entries(session, person) == [("transport", choice, text)]
    barriers = [
        (e.data["group"], e.body)
        for e in carnet_service.list_entries(session, beneficiary_id=person.id)
        if e.kind == "barrier"
    ]
    expected_group = "permis" if intent == "barrier_licence" else "mobilite"
    assert barriers == ([(expected_group, text)] if choice == "none" else [])


def test_a_barrier_of_another_theme_is_recorded_under_its_theme(session, drome) -> None:
    org, motif, person = drome
    book_with_questionnaire(session, motif, person)
    text = "je sais pas qui va garder mes enfants"
    assert take(session, person, "barrier_childcare", text).outcome == "set_aside"
    # the dialogue records it as a childcare barrier, with the question asked again
    reply = bot_service.barrier(session, beneficiary_id=person.id, group="garde_enfants", text=text, now=NOW)
    assert reply.resume_text == questionnaire.QUESTIONS["transport"]
    assert questionnaire_entries(session, person) == []
    assert take(session, person, "say_transport", "en bus").texts == [questionnaire.QUESTIONS["childcare"]]
    assert take(session, person, "affirm", "oui").outcome == "answered"
    groups = [
        (e.data["group"], e.data["source"], e.body)
        for e in carnet_service.list_entries(session, beneficiary_id=person.id)
        if e.kind == "barrier"
    ]
    assert groups == [("garde_enfants", "conversation", text), ("garde_enfants", "questionnaire", "oui")]


@pytest.mark.parametrize(
    "intent",
    [
        "cancel_appointment",
        "reschedule_appointment",
        "ask_human",
        "ask_appointment_info",
        "thanks",
        # two requests at once, even when one of them could answer the question
        "barrier_mobility+ask_human",
    ],
)
def test_another_request_sets_the_questionnaire_aside(session, drome, intent) -> None:
    org, motif, person = drome
    book_with_questionnaire(session, motif, person)
    assert take(session, person, intent, "des mots").outcome == "set_aside"
    assert person.pending_question is None and questionnaire_entries(session, person) == []
    assert take(session, person, "affirm", "oui").outcome == "not_pending"


@pytest.mark.parametrize(
    ("intent", "text"), [("out_of_scope", "c'est ou deja ?"), ("nlu_fallback", "mon ordi marche plus")]
)
def test_a_question_or_words_that_answer_nothing_go_to_the_dialogue(session, drome, intent, text) -> None:
    org, motif, person = drome
    book_with_questionnaire(session, motif, person)
    assert take(session, person, intent, text).outcome == "set_aside"
    assert person.pending_question is None and questionnaire_entries(session, person) == []


@pytest.mark.parametrize(
    ("intent", "text"), [("other_slots", "plus tard"), ("nlu_fallback", "pas maintenant")]
)
def test_later_skips_the_questionnaire(session, drome, intent, text) -> None:
    org, motif, person = drome
    book_with_questionnaire(session, motif, person)
    assert take(session, person, intent, text).texts == [texts.QUESTIONNAIRE_DONE]
    assert person.pending_question is None


def test_questionnaire_only_once_and_only_when_enabled(session, drome) -> None:
    org, motif, person = drome
    org.questionnaire_enabled = False
    assert questionnaire.start_after_booking(session, beneficiary=person) == ""
    assert person.pending_question is None
    org.questionnaire_enabled = True
    assert questionnaire.start_after_booking(session, beneficiary=person)
    person.pending_question = None
    assert questionnaire.start_after_booking(session, beneficiary=person) == ""
    assert person.pending_question is None


def test_a_barrier_that_opens_with_an_option_number_books_it_too(session, drome) -> None:
    org, motif, person = drome
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    reply = bot_service.barrier(
        session, beneficiary_id=person.id, group="mobilite", text="le 2, et j'ai pas de voiture", now=NOW
    )
    assert reply.booking is not None and reply.booking.outcome == "booked"
    assert reply.pending_options_text == ""  # nothing left to choose
    state = bot_service.state(session, beneficiary_id=person.id, now=NOW)
    assert state.appointment == reply.booking.appointment
    groups = [
        e.data["group"]
        for e in carnet_service.list_entries(session, beneficiary_id=person.id)
        if e.kind == "barrier"
    ]
    assert groups == ["mobilite"]


def test_a_barrier_naming_a_day_books_nothing(session, drome) -> None:
    org, motif, person = drome
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    reply = bot_service.barrier(
        session, beneficiary_id=person.id, group="mobilite", text="j'ai pas de voiture lundi", now=NOW
    )
    assert reply.booking is None and reply.pending_options_text.startswith("1) ")


def test_where_before_booking_is_the_place_of_the_offered_slots(session, drome) -> None:
    org, motif, person = drome
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    state = bot_service.state(session, beneficiary_id=person.id, now=NOW)
    place = session.scalars(select(f.Place).where(f.Place.organisation_id == org.id)).one()
    assert (state.offer_place_name, state.offer_address) == (place.name, place.address)


def test_a_state_left_by_an_older_version_is_dropped(session, drome) -> None:
    org, motif, person = drome
    person.pending_question = "questionnaire:transport:unasked"
    assert take(session, person, "affirm", "oui").outcome == "not_pending"
    assert person.pending_question is None
