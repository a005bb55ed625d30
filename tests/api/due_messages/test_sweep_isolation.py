"""A scheduled message that cannot be decided never blocks the others (issue 11, point 3)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from api.due_messages.sweep import sweep
from api.handoffs.models import HandoffRequest
from api.scheduling import service as scheduling_service
from tests.api import factories as f
from tests.api.appointments.test_lifecycle import book, outbox_of

PARIS = ZoneInfo("Europe/Paris")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


def booked_person(session, name: str):
    org = f.organisation(session, name=name)
    place = f.place(session, org)
    motif = f.motif(session, org)
    f.slots(session, place, motif, [local(2026, 12, 3, 9), local(2026, 12, 3, 14)])
    person = f.beneficiary(session, org)
    book(session, person, motif, "jeudi 9h", local(2026, 11, 30, 9))
    return org, person


def reminder_of(session, person):
    [row] = [
        r for r in scheduling_service.list_scheduled(session, beneficiary_id=person.id) if r.appointment_id
    ]
    return row


def test_a_bad_row_is_marked_failed_and_queued_for_a_human_while_the_rest_goes_on(session) -> None:
    broken_org, broken = booked_person(session, "Organisation au fuseau cassé")
    _, fine = booked_person(session, "Département de la Drôme")
    # Bad data, as a hand-made SQL update could leave it: a time zone that does not exist.
    broken_org.time_zone = "Mars/Olympus_Mons"
    session.flush()

    at = local(2026, 12, 1, 10)
    with time_machine.travel(at, tick=False):
        result = sweep(session, now=at)

    assert result.failed == 1 and result.queued >= 1
    assert reminder_of(session, fine).state == "queued"
    assert outbox_of(session, fine)[-1].kind == "reminder"
    failed = reminder_of(session, broken)
    assert failed.state == "failed" and "Mars/Olympus_Mons" in failed.note
    assert all(message.kind != "reminder" for message in outbox_of(session, broken))
    [handoff] = session.scalars(
        select(HandoffRequest).where(HandoffRequest.beneficiary_id == broken.id)
    ).all()
    assert handoff.reason == "scheduled_message_failed" and "reminder" in handoff.text

    # The failed row is not taken again by the next sweep.
    with time_machine.travel(at, tick=False):
        again = sweep(session, now=at)
    assert again.failed == 0 and reminder_of(session, broken).state == "failed"
