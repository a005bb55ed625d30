"""A double tap (the same text from the same number seconds apart) acts once (issue 11, point 6)."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from api.carnet.models import CarnetEntry
from api.config import get_settings
from api.inbound import triage
from api.messaging import outbox
from api.messaging.inbound import record_inbound
from tests.api import factories as f

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def receive(session, person, body: str, at: datetime, num_media: int = 0):
    with time_machine.travel(at, tick=False):
        inbound, _ = record_inbound(
            session,
            message_sid=f"SM{at.timestamp():.0f}{body[:4]}{num_media}".ljust(34, "0"),
            channel="sms",
            from_phone=person.phone,
            to_address="38123",
            body=body,
            num_media=num_media,
        )
        session.flush()
        forward = triage.triage(session, inbound=inbound, settings=get_settings())
        session.flush()
    return inbound, forward


def test_the_same_text_seconds_later_acts_once_and_is_noted_as_repeated(session) -> None:
    person = f.beneficiary(session, f.organisation(session))
    first, forwarded = receive(session, person, "oui", T0)
    assert forwarded is not None
    second, repeat = receive(session, person, "Oui ", T0 + timedelta(seconds=3))
    assert repeat is None and second.outcome == "repeated" and second.state == "done"
    entries = session.scalars(
        select(CarnetEntry)
        .where(CarnetEntry.beneficiary_id == person.id, CarnetEntry.kind == "inbound_message")
        .order_by(CarnetEntry.id)
    ).all()
    assert [entry.data.get("repeat_of_inbound_id") for entry in entries] == [None, first.id]


def test_the_same_text_later_or_after_a_new_question_is_a_new_answer(session) -> None:
    person = f.beneficiary(session, f.organisation(session))
    receive(session, person, "oui", T0)
    _, later = receive(session, person, "oui", T0 + timedelta(seconds=30))
    assert later is not None
    # A reminder (not a reply to the person) leaves between two "oui": the second answers it.
    with time_machine.travel(T0 + timedelta(seconds=31), tick=False):
        outbox.enqueue(session, beneficiary=person, body="Rappel", kind="reminder")
        session.flush()
    _, after_reminder = receive(session, person, "oui", T0 + timedelta(seconds=33))
    assert after_reminder is not None


def test_the_same_text_after_our_technical_problem_is_a_retry(session) -> None:
    """We answered "souci technique": the person sending the same words again is retrying."""
    person = f.beneficiary(session, f.organisation(session))
    _, forward = receive(session, person, "le 2", T0)
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        triage.record_rasa_failure(session, forward=forward, error="ConnectError")
        session.flush()
    _, retry = receive(session, person, "le 2", T0 + timedelta(seconds=4))
    assert retry is not None and retry.text == "le 2"

    _, forward = receive(session, person, "oui", T0 + timedelta(seconds=20))
    with time_machine.travel(T0 + timedelta(seconds=21), tick=False):
        triage.record_rasa_reply(
            session,
            forward=forward,
            texts_out=["Désolé, nous avons un problème technique."],
            escalations=["api_unavailable"],
        )
        session.flush()
    _, retry = receive(session, person, "oui", T0 + timedelta(seconds=24))
    assert retry is not None


def test_two_pictures_without_text_are_two_messages(session) -> None:
    person = f.beneficiary(session, f.organisation(session))
    first, _ = receive(session, person, "", T0, num_media=1)
    second, _ = receive(session, person, "", T0 + timedelta(seconds=2), num_media=1)
    assert second.outcome != "repeated"
