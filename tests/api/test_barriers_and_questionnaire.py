from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from api.barriers import service as barrier_service
from api.botapi import service as bot_service
from api.carnet import service as carnet_service
from api.handoffs.expectations import expected_call_label
from api.handoffs.models import HandoffRequest
from api.invitations import service as invitation_service
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


def test_questionnaire_after_a_first_booking(session, drome) -> None:
    org, motif, person = drome
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    assert bot_service.choose_slot(session, beneficiary_id=person.id, text="1", now=NOW).outcome == "booked"
    first = inbound(session, person, "1")
    questionnaire.ask_if_planned(session, beneficiary=person, channel="sms", in_reply_to_id=first.id)
    assert replies(session, person)[-1].startswith("Pour préparer votre RDV")

    def answer(text: str) -> bool:
        message = inbound(session, person, text)
        return questionnaire.answer(
            session, beneficiary=person, text=text, channel="sms", inbound_id=message.id, now=NOW
        )

    assert answer("4")  # no transport: mobility offers, then the next question
    assert "- " in replies(session, person)[-2]
    assert replies(session, person)[-1].startswith("Avez-vous besoin de faire garder")
    assert answer("non pas besoin")
    assert answer("je suis en fauteuil, il faut un lieu accessible")
    assert replies(session, person)[-1].startswith("Merci, c'est noté")
    assert person.pending_question is None
    entries = carnet_service.list_entries(session, beneficiary_id=person.id)
    barriers = [e for e in entries if e.kind == "barrier"]
    assert [(b.data["group"], b.data["source"]) for b in barriers] == [("mobilite", "questionnaire")]
    answers = [
        (e.data.get("question"), e.data.get("choice"), e.body)
        for e in entries
        if e.kind in ("questionnaire_answer", "questionnaire_note")
    ]
    assert answers == [
        ("transport", "none", "4"),
        ("childcare", "no", "non pas besoin"),
        ("note", None, "je suis en fauteuil, il faut un lieu accessible"),
    ]


def test_questionnaire_gives_way_to_a_real_question(session, drome) -> None:
    org, motif, person = drome
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    bot_service.choose_slot(session, beneficiary_id=person.id, text="1", now=NOW)
    first = inbound(session, person, "1")
    questionnaire.ask_if_planned(session, beneficiary=person, channel="sms", in_reply_to_id=first.id)
    message = inbound(session, person, "c'est ou deja ?")
    handled = questionnaire.answer(
        session, beneficiary=person, text="c'est ou deja ?", channel="sms", inbound_id=message.id, now=NOW
    )
    assert not handled and person.pending_question is None


def test_questionnaire_only_once_and_only_when_enabled(session, drome) -> None:
    org, motif, person = drome
    org.questionnaire_enabled = False
    questionnaire.plan(session, beneficiary=person)
    assert person.pending_question is None
    org.questionnaire_enabled = True
    questionnaire.plan(session, beneficiary=person)
    first = inbound(session, person, "le 1")
    questionnaire.ask_if_planned(session, beneficiary=person, channel="sms", in_reply_to_id=first.id)
    person.pending_question = None
    questionnaire.plan(session, beneficiary=person)
    assert person.pending_question is None
