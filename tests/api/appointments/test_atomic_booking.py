"""Booking under a race: real commits from several connections (the last free places of a slot)."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from api.agenda import service as agenda_service
from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.db import session_scope
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
