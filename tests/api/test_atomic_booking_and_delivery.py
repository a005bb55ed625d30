"""Behaviour that needs real commits from several connections."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from api.agenda import service as agenda_service
from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.db import session_scope
from api.messaging import outbox
from api.messaging.delivery import record_status
from api.messaging.models import OutboxMessage
from tests.api import factories as f


def test_eight_people_race_for_three_places_and_three_win() -> None:
    now = datetime.now(UTC)
    with session_scope() as session:
        org = f.organisation(session)
        place, motif = f.place(session, org), f.motif(session, org)
        [slot] = f.slots(session, place, motif, [now + timedelta(days=3)], capacity=3)
        people = [f.beneficiary(session, org) for _ in range(8)]
        session.commit()
    barrier = threading.Barrier(len(people))
    results: list[bool] = []

    def attempt(beneficiary_id: int) -> None:
        with session_scope() as session:
            beneficiary = session.get(Beneficiary, beneficiary_id)
            barrier.wait()
            appointment = appointment_service.book(session, beneficiary=beneficiary, slot_id=slot.id, now=now)
            session.commit()
            results.append(appointment is not None)

    threads = [threading.Thread(target=attempt, args=(p.id,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True] * 3
    with session_scope() as session:
        booked = session.scalar(
            select(func.count()).select_from(Appointment).where(Appointment.slot_id == slot.id)
        )
        assert booked == 3
        assert agenda_service.free_slots(session, motif_id=motif.id, place_id=None, now=now, limit=5) == []


def test_status_callbacks_are_idempotent_and_never_go_backwards(session) -> None:
    org = f.organisation(session)
    person = f.beneficiary(session, org)
    message = outbox.enqueue(session, beneficiary=person, body="Bonjour", kind="reply")
    message.provider_sid = "SM" + "a" * 32
    session.flush()
    sid = message.provider_sid
    assert record_status(session, message_sid=sid, status="delivered", error_code=None)
    assert record_status(session, message_sid=sid, status="sent", error_code=None)  # late, out of order
    assert not record_status(session, message_sid=sid, status="delivered", error_code=None)  # repeat
    assert session.get(OutboxMessage, message.id).delivery_status == "delivered"
    assert record_status(session, message_sid=sid, status="read", error_code=None)
    assert session.get(OutboxMessage, message.id).delivery_status == "read"


def test_failed_status_keeps_the_error_code(session) -> None:
    org = f.organisation(session)
    person = f.beneficiary(session, org)
    message = outbox.enqueue(session, beneficiary=person, body="Bonjour", kind="reply")
    message.provider_sid = "SM" + "b" * 32
    session.flush()
    record_status(session, message_sid=message.provider_sid, status="undelivered", error_code="30003")
    assert (message.delivery_status, message.error_code) == ("undelivered", "30003")
