"""Too late is never sent (issue 11, point 5).

A provider outage holds messages in the outbox for hours. When sending resumes, what has
stopped making sense is withheld: the reminder of an appointment that has started, an
invitation whose slots are all taken, a relance of an answered invitation, the reminder of a
cancelled appointment. The carnet says so, and a professional is told when the person is
left without something they needed. Real dispatcher, fake Twilio, committed data.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.botapi import service as botapi_service
from api.carnet.models import CarnetEntry
from api.db import session_scope
from api.due_messages.sweep import sweep
from api.handoffs.models import HandoffRequest
from api.invitations import service as invitation_service
from api.messaging.models import OutboxMessage
from api.organisations.models import Organisation
from api.scheduling.models import ScheduledMessage
from tests.api import factories as f
from tests.bot.test_outbox_dispatcher import dispatcher_for
from tests.fakes.twilio_fake import FakeTwilioServer, PlannedFailure

PARIS = ZoneInfo("Europe/Paris")
OUTAGE = PlannedFailure(503, 20503, "Service Unavailable")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture(autouse=True)
def _reset(twilio: FakeTwilioServer) -> None:
    twilio.state.failures.clear()
    twilio.state.delays.clear()


def send_at(twilio: FakeTwilioServer, at: datetime, *, outage: bool = False) -> None:
    """Run the real dispatcher at `at` (every row due then is retried now)."""
    with time_machine.travel(at):
        with session_scope() as session:
            for message in session.scalars(select(OutboxMessage).where(OutboxMessage.state == "pending")):
                message.next_attempt_at = min(message.next_attempt_at, at)
            session.commit()
        if outage:
            twilio.state.failures.extend([OUTAGE] * 20)
        try:
            dispatcher_for(twilio, outbox_max_attempts=50).dispatch_sync()
        finally:
            twilio.state.failures.clear()


def sweep_at(at: datetime) -> None:
    with time_machine.travel(at), session_scope() as session:
        sweep(session, now=at)
        session.commit()


def outbox_row(person_id: int, kind: str) -> OutboxMessage:
    with session_scope() as session:
        [row] = session.scalars(
            select(OutboxMessage).where(OutboxMessage.beneficiary_id == person_id, OutboxMessage.kind == kind)
        ).all()
        return row


def not_sent_entries(person_id: int) -> list[CarnetEntry]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(CarnetEntry).where(
                    CarnetEntry.beneficiary_id == person_id, CarnetEntry.kind == "message_not_sent"
                )
            )
        )


def handoff_reasons(person_id: int) -> list[str]:
    with session_scope() as session:
        return list(
            session.scalars(select(HandoffRequest.reason).where(HandoffRequest.beneficiary_id == person_id))
        )


def bodies_to(twilio: FakeTwilioServer, phone: str) -> list[str]:
    return [message["Body"] for message in twilio.messages_to(phone)]


def booked_with_reminder_queued(twilio: FakeTwilioServer, start: datetime) -> tuple[int, str, datetime]:
    """A person booked for `start`; their reminder's sweep ran during an outage."""
    booked_at = start - timedelta(days=7)
    with time_machine.travel(booked_at), session_scope() as session:
        org = f.organisation(session)
        place = f.place(session, org)
        motif = f.motif(session, org)
        [slot] = f.slots(session, place, motif, [start])
        person = f.beneficiary(session, org)
        appointment_service.book(session, beneficiary=person, slot_id=slot.id, now=booked_at)
        session.commit()
        person_id, phone = person.id, person.phone
        [due_at] = session.scalars(
            select(ScheduledMessage.due_at).where(
                ScheduledMessage.beneficiary_id == person_id, ScheduledMessage.kind == "reminder"
            )
        ).all()
    sweep_at(due_at)
    send_at(twilio, due_at, outage=True)
    assert outbox_row(person_id, "reminder").state == "pending"
    assert bodies_to(twilio, phone) == []
    return person_id, phone, due_at


def test_a_reminder_held_by_an_outage_past_the_appointment_is_not_sent(twilio) -> None:
    start = local(2027, 3, 10, 9)
    person_id, phone, _ = booked_with_reminder_queued(twilio, start)

    send_at(twilio, start + timedelta(hours=1))  # the provider answers again

    assert bodies_to(twilio, phone) == []
    row = outbox_row(person_id, "reminder")
    assert row.state == "cancelled" and row.error_message == "not sent: appointment already started"
    [entry] = not_sent_entries(person_id)
    assert entry.data["outbox_message_id"] == row.id and entry.data["message_kind"] == "reminder"
    assert "a déjà commencé" in entry.body
    assert handoff_reasons(person_id) == ["message_too_late"]


def test_a_reminder_that_would_come_within_hours_of_the_appointment_is_not_sent(twilio) -> None:
    start = local(2027, 3, 17, 14)
    person_id, phone, _ = booked_with_reminder_queued(twilio, start)

    send_at(twilio, start - timedelta(hours=2))

    assert bodies_to(twilio, phone) == []
    assert outbox_row(person_id, "reminder").error_message == "not sent: too late"
    assert handoff_reasons(person_id) == ["message_too_late"]


def test_a_reminder_delayed_but_still_useful_is_sent_once(twilio) -> None:
    start = local(2027, 3, 24, 9)
    person_id, phone, due_at = booked_with_reminder_queued(twilio, start)

    send_at(twilio, due_at + timedelta(hours=5))
    send_at(twilio, due_at + timedelta(hours=6))

    [body] = bodies_to(twilio, phone)
    assert "rendez-vous" in body.lower() or "rdv" in body.lower()
    assert outbox_row(person_id, "reminder").state == "sent"
    assert not_sent_entries(person_id) == [] and handoff_reasons(person_id) == []


def test_the_reminder_of_a_cancelled_appointment_is_not_sent_and_nobody_is_bothered(twilio) -> None:
    start = local(2027, 4, 14, 9)  # the reminder falls on a Monday (not Easter Monday)
    person_id, phone, due_at = booked_with_reminder_queued(twilio, start)
    cancelled_at = due_at + timedelta(hours=1)
    with time_machine.travel(cancelled_at), session_scope() as session:
        [appointment] = session.scalars(select(Appointment).where(Appointment.beneficiary_id == person_id))
        appointment_service.cancel_by_person(session, appointment=appointment, now=cancelled_at)
        session.commit()

    send_at(twilio, due_at + timedelta(hours=2))

    assert all("Rappel" not in body for body in bodies_to(twilio, phone))
    assert outbox_row(person_id, "reminder").error_message == "not sent: appointment cancelled or closed"
    [entry] = not_sent_entries(person_id)
    assert entry.data["reason"] == "appointment cancelled or closed"
    assert "message_too_late" not in handoff_reasons(person_id)


def invited_during_outage(
    twilio: FakeTwilioServer, at: datetime, starts: list[datetime]
) -> tuple[int, str, list[int], int]:
    with time_machine.travel(at), session_scope() as session:
        org = f.organisation(session)
        place = f.place(session, org)
        motif = f.motif(session, org)
        slot_ids = [slot.id for slot in f.slots(session, place, motif, starts)]
        person = f.beneficiary(session, org)
        invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=at)
        session.commit()
        person_id, phone, org_id = person.id, person.phone, org.id
    send_at(twilio, at, outage=True)
    assert outbox_row(person_id, "invitation").state == "pending"
    return person_id, phone, slot_ids, org_id


def others_book(slot_ids: list[int], org_id: int, at: datetime) -> None:
    """Other people take these slots (at the counter, on the phone)."""
    with time_machine.travel(at), session_scope() as session:
        org = session.get(Organisation, org_id)
        for slot_id in slot_ids:
            other = f.beneficiary(session, org)
            assert appointment_service.book(session, beneficiary=other, slot_id=slot_id, now=at)
        session.commit()


def test_an_invitation_whose_slots_all_filled_during_an_outage_is_not_sent(twilio) -> None:
    at = local(2027, 3, 1, 10)
    starts = [local(2027, 3, 4, 9), local(2027, 3, 4, 14)]
    person_id, phone, slot_ids, org_id = invited_during_outage(twilio, at, starts)
    others_book(slot_ids, org_id, at + timedelta(hours=1))

    send_at(twilio, at + timedelta(hours=2))

    assert bodies_to(twilio, phone) == []
    assert outbox_row(person_id, "invitation").error_message == "not sent: no offered slot left"
    assert [e.data["reason"] for e in not_sent_entries(person_id)] == ["no offered slot left"]
    assert handoff_reasons(person_id) == ["no_slot_left"]


def test_an_invitation_with_one_slot_still_free_is_sent(twilio) -> None:
    at = local(2027, 3, 8, 10)
    starts = [local(2027, 3, 11, 9), local(2027, 3, 11, 14)]
    person_id, phone, slot_ids, org_id = invited_during_outage(twilio, at, starts)
    others_book(slot_ids[:1], org_id, at + timedelta(hours=1))

    send_at(twilio, at + timedelta(hours=2))

    assert len(bodies_to(twilio, phone)) == 1
    assert outbox_row(person_id, "invitation").state == "sent"
    assert not_sent_entries(person_id) == []


def relance_queued_during_outage(twilio: FakeTwilioServer, at: datetime) -> tuple[int, str, datetime]:
    """Invited at `at` (sent), then the relance's sweep ran during an outage."""
    starts = [local(2027, 4, 20, 9), local(2027, 4, 20, 14), local(2027, 4, 21, 9)]
    with time_machine.travel(at), session_scope() as session:
        org = f.organisation(session)
        place = f.place(session, org)
        motif = f.motif(session, org)
        f.slots(session, place, motif, starts)
        person = f.beneficiary(session, org)
        invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=at)
        session.commit()
        person_id, phone = person.id, person.phone
        [relance_at] = session.scalars(
            select(ScheduledMessage.due_at).where(
                ScheduledMessage.beneficiary_id == person_id, ScheduledMessage.kind == "relance"
            )
        ).all()
    send_at(twilio, at)
    sweep_at(relance_at)
    send_at(twilio, relance_at, outage=True)
    assert outbox_row(person_id, "relance").state == "pending"
    assert len(bodies_to(twilio, phone)) == 1  # the invitation only
    return person_id, phone, relance_at


def test_a_relance_of_an_invitation_answered_meanwhile_is_not_sent(twilio) -> None:
    person_id, phone, relance_at = relance_queued_during_outage(twilio, local(2027, 4, 5, 10))
    answered_at = relance_at + timedelta(hours=1)
    with time_machine.travel(answered_at), session_scope() as session:
        result = botapi_service.choose_slot(session, beneficiary_id=person_id, text="1", now=answered_at)
        assert result.outcome == "booked"
        session.commit()

    send_at(twilio, relance_at + timedelta(hours=2))

    assert len(bodies_to(twilio, phone)) == 1  # the invitation only
    assert outbox_row(person_id, "relance").error_message == "not sent: invitation no longer pending"
    assert handoff_reasons(person_id) == []


def test_a_relance_held_past_the_invitations_expiry_is_not_sent(twilio) -> None:
    person_id, phone, _ = relance_queued_during_outage(twilio, local(2027, 4, 6, 10))
    with session_scope() as session:
        [expires_at] = session.scalars(
            select(OutboxMessage.send_before).where(
                OutboxMessage.beneficiary_id == person_id, OutboxMessage.kind == "relance"
            )
        ).all()

    send_at(twilio, expires_at + timedelta(hours=1))

    assert len(bodies_to(twilio, phone)) == 1
    assert outbox_row(person_id, "relance").state == "cancelled"
    assert handoff_reasons(person_id) == []
