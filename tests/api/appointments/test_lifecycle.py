"""The life of an invitation and of an appointment, with a frozen clock."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from api.agenda.models import Slot
from api.appointments import service as appointment_service
from api.appointments.followup import followup_status
from api.appointments.models import Appointment
from api.botapi import service as bot_service
from api.botapi.appointment_reply import appointment_reply
from api.due_messages.sweep import SweepResult, sweep
from api.handoffs.models import HandoffRequest
from api.invitations import service as invitation_service
from api.messaging.models import OutboxMessage
from api.messaging.segments import count_segments
from api.scheduling import service as scheduling_service
from tests.api import factories as f

PARIS = ZoneInfo("Europe/Paris")


def local(*args: int, tz: ZoneInfo = PARIS) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)


def outbox_of(session, person) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.beneficiary_id == person.id).order_by(OutboxMessage.id)
        )
    )


def sweep_at(session, when: datetime, person) -> SweepResult:
    """Run the real sweep at `when`; count what it decided for this person's messages only
    (other tests' committed rows may be due too)."""
    before = {
        r.id: (r.state, r.due_at)
        for r in scheduling_service.list_scheduled(session, beneficiary_id=person.id)
    }
    with time_machine.travel(when, tick=False):
        sweep(session, now=when)
    result = SweepResult()
    for row in scheduling_service.list_scheduled(session, beneficiary_id=person.id):
        state, due_at = before.get(row.id, (None, None))
        if state != "pending":
            continue
        if row.state in ("queued", "skipped"):
            setattr(result, row.state, getattr(result, row.state) + 1)
        elif row.due_at != due_at:
            result.postponed += 1
    return result


@pytest.fixture
def world(session):
    """An organisation in the Drôme with slots from Wednesday 2 December 2026."""
    org = f.organisation(session)
    place = f.place(session, org, name=f.LONG_PLACE, address=f.LONG_ADDRESS)
    motif = f.motif(session, org)
    starts = [local(2026, 12, day, hour) for day in (2, 3, 4, 7, 8) for hour in (9, 14)]
    slots = f.slots(session, place, motif, starts)
    person = f.beneficiary(session, org)
    return org, place, motif, slots, person


def status(session, person, at: datetime) -> str:
    return followup_status(session, beneficiary_id=person.id, now=at)


def test_invitation_relance_then_expiry(session, world) -> None:
    org, place, motif, slots, person = world
    created = local(2026, 11, 30, 9)  # Monday
    with time_machine.travel(created, tick=False):
        invitation_service.create_invitation(
            session, beneficiary_id=person.id, motif_id=motif.id, now=created
        )
    assert status(session, person, created) == "invitation_pending"
    rows = scheduling_service.list_scheduled(session, beneficiary_id=person.id)
    assert [(r.kind, r.due_at) for r in rows] == [
        ("relance", local(2026, 12, 3, 10)),
        ("invitation_expiry", local(2026, 12, 10, 9)),
    ]
    assert sweep_at(session, local(2026, 12, 3, 9, 59), person).queued == 0
    assert sweep_at(session, local(2026, 12, 3, 10), person).queued == 1
    assert sweep_at(session, local(2026, 12, 3, 10, 5), person).queued == 0  # nothing twice
    relance = outbox_of(session, person)[-1]
    assert relance.kind == "relance" and "1) " in relance.body and relance.segments <= 2
    assert sweep_at(session, local(2026, 12, 10, 9), person).queued == 1
    expiry = outbox_of(session, person)[-1]
    assert expiry.kind == "invitation_expiry" and count_segments(expiry.body).segments == 1
    assert status(session, person, local(2026, 12, 10, 9)) == "invitation_expired"
    # Answering after expiry books nothing.
    late = bot_service.choose_slot(session, beneficiary_id=person.id, text="1", now=local(2026, 12, 10, 12))
    assert late.outcome == "no_invitation"


def test_no_relance_once_booked(session, world) -> None:
    org, place, motif, slots, person = world
    created = local(2026, 11, 30, 9)
    with time_machine.travel(created, tick=False):
        invitation_service.create_invitation(
            session, beneficiary_id=person.id, motif_id=motif.id, now=created
        )
        assert (
            bot_service.choose_slot(session, beneficiary_id=person.id, text="2", now=created).outcome
            == "booked"
        )
    before = len(outbox_of(session, person))
    assert sweep_at(session, local(2026, 12, 3, 10), person).skipped == 1  # the relance
    assert len(outbox_of(session, person)) == before


def book(session, person, motif, slot_text: str, at: datetime) -> Appointment:
    with time_machine.travel(at, tick=False):
        invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=at)
        result = bot_service.choose_slot(session, beneficiary_id=person.id, text=slot_text, now=at)
    assert result.outcome == "booked", result
    return session.scalar(select(Appointment).where(Appointment.beneficiary_id == person.id))


def test_reminder_two_days_before_then_confirmation_and_attendance(session, world) -> None:
    org, place, motif, slots, person = world
    appointment = book(session, person, motif, "jeudi 9h", local(2026, 11, 30, 9))
    assert appointment.slot.start == local(2026, 12, 3, 9)
    [reminder] = [
        r for r in scheduling_service.list_scheduled(session, beneficiary_id=person.id) if r.appointment_id
    ]
    assert (reminder.kind, reminder.due_at) == ("reminder", local(2026, 12, 1, 10))
    assert sweep_at(session, local(2026, 12, 1, 10), person).queued == 1
    message = outbox_of(session, person)[-1]
    assert message.kind == "reminder" and f.LONG_ADDRESS in message.body
    assert count_segments(message.body).segments == 1, message.body

    reply = appointment_reply(
        session, beneficiary_id=person.id, intent="affirm", text="ok c bon", now=local(2026, 12, 1, 11)
    )
    assert reply.outcome == "confirmed" and appointment.confirmed_at is not None
    assert status(session, person, local(2026, 12, 2, 12)) == "rdv_pending"
    assert status(session, person, local(2026, 12, 3, 10)) == "rdv_needs_status_update"
    appointment_service.set_status(
        session, appointment_id=appointment.id, status="seen", now=local(2026, 12, 3, 10)
    )
    assert status(session, person, local(2026, 12, 3, 10)) == "rdv_seen"


def test_optional_day_before_reminder(session) -> None:
    org = f.organisation(session)
    org.reminder_day_before = True
    place, motif = f.place(session, org), f.motif(session, org)
    f.slots(session, place, motif, [local(2026, 12, 7, 14)])  # Monday
    person = f.beneficiary(session, org)
    appointment = book(session, person, motif, "lundi 7 a 14h", local(2026, 11, 30, 9))
    rows = [
        r for r in scheduling_service.list_scheduled(session, beneficiary_id=person.id) if r.appointment_id
    ]
    assert [(r.kind, r.due_at) for r in rows] == [
        ("reminder", local(2026, 12, 5, 10)),  # Saturday: allowed
        ("reminder_day_before", local(2026, 12, 6, 10)),  # Sunday: waits for Monday 8:00
    ]
    assert sweep_at(session, local(2026, 12, 5, 10), person).queued == 1
    assert sweep_at(session, local(2026, 12, 6, 10), person).postponed == 1
    day_before = next(r for r in rows if r.kind == "reminder_day_before")
    assert day_before.state == "pending" and day_before.due_at == local(2026, 12, 7, 8)
    # Monday 8:00 is 6 h before 14:00: still useful.
    assert sweep_at(session, local(2026, 12, 7, 8), person).queued == 1
    assert outbox_of(session, person)[-1].body.startswith("Rappel : RDV demain")
    assert appointment.status == "unknown"


def test_cannot_come_asks_once_then_cancels_and_frees_the_slot(session, world) -> None:
    org, place, motif, slots, person = world
    appointment = book(session, person, motif, "1", local(2026, 11, 30, 9))
    at = local(2026, 12, 1, 12)
    asked = appointment_reply(
        session, beneficiary_id=person.id, intent="cannot_come", text="je pourrai pas", now=at
    )
    assert asked.outcome == "asked_cancel_or_move" and asked.appointment.time_label == "9h00"
    cancelled = appointment_reply(
        session, beneficiary_id=person.id, intent="cancel_appointment", text="annuler", now=at
    )
    assert cancelled.outcome == "cancelled"
    assert appointment.status == "excused"
    assert session.get(Slot, appointment.slot_id).booked_count == 0
    assert all(
        r.state == "skipped"
        for r in scheduling_service.list_scheduled(session, beneficiary_id=person.id)
        if r.appointment_id
    )
    assert status(session, person, at) == "rdv_excused"


def test_coming_after_all_keeps_the_appointment(session, world) -> None:
    org, place, motif, slots, person = world
    appointment = book(session, person, motif, "1", local(2026, 11, 30, 9))
    at = local(2026, 12, 1, 12)
    asked = appointment_reply(session, beneficiary_id=person.id, intent="deny", text="non", now=at)
    assert asked.outcome == "asked_cancel_or_move"
    again = appointment_reply(session, beneficiary_id=person.id, intent="deny", text="non", now=at)
    assert again.outcome == "asked_cancel_or_move" and appointment.status == "unknown"
    kept = appointment_reply(
        session, beneficiary_id=person.id, intent="affirm", text="finalement je viens", now=at
    )
    assert kept.outcome == "kept" and appointment.status == "unknown" and appointment.confirmed_at is None


def test_late_cancellation_tells_a_professional(session, world) -> None:
    org, place, motif, slots, person = world
    appointment = book(session, person, motif, "1", local(2026, 11, 30, 9))  # Wednesday 2 December 9:00
    at = local(2026, 12, 2, 6, 30)
    result = appointment_reply(
        session, beneficiary_id=person.id, intent="cancel_appointment", text="annulez le rdv", now=at
    )
    assert result.outcome == "cancelled_late" and appointment.status == "excused"
    reasons = session.scalars(select(HandoffRequest.reason).where(HandoffRequest.beneficiary_id == person.id))
    assert "late_cancellation" in list(reasons)


def test_move_holds_the_new_slot_before_freeing_the_old_one(session, world) -> None:
    org, place, motif, slots, person = world
    appointment = book(session, person, motif, "1", local(2026, 11, 30, 9))
    old_slot_id = appointment.slot_id
    at = local(2026, 12, 1, 12)
    offer = appointment_reply(
        session, beneficiary_id=person.id, intent="reschedule_appointment", text="on peut decaler ?", now=at
    )
    assert offer.outcome == "move_offered" and offer.options_text.startswith("1) mercredi 2/12 14h00")
    moved = bot_service.choose_slot(session, beneficiary_id=person.id, text="vendredi plutot", now=at)
    assert moved.outcome == "moved" and moved.appointment.date_label.startswith("vendredi 4")
    session.refresh(appointment)
    assert appointment.slot.start == local(2026, 12, 4, 9)
    assert session.get(Slot, old_slot_id).booked_count == 0
    assert appointment.slot.booked_count == 1
    rows = [
        r for r in scheduling_service.list_scheduled(session, beneficiary_id=person.id) if r.appointment_id
    ]
    # The first slot (2 December) had no reminder (too close to booking); the new one has its own.
    assert [(r.kind, r.state, r.due_at) for r in rows] == [("reminder", "pending", local(2026, 12, 2, 10))]


def test_ruling_out_every_slot_offered_for_a_move_repeats_them_and_keeps_the_appointment(
    session, world
) -> None:
    """More-slots offers slots to book, not to move to: a move stays with its own options."""
    org, place, motif, slots, person = world
    appointment = book(session, person, motif, "1", local(2026, 11, 30, 9))
    slot_before = appointment.slot_id
    at = local(2026, 12, 1, 12)
    offer = appointment_reply(
        session, beneficiary_id=person.id, intent="reschedule_appointment", text="on peut decaler ?", now=at
    )
    options = offer.options_text.count(")")
    none_of_them = " ".join(f"ni le {n}" for n in range(1, options + 1))
    answer = bot_service.choose_slot(session, beneficiary_id=person.id, text=none_of_them, now=at)
    assert answer.outcome == "no_match" and answer.options_text.startswith("1) ")
    status_before = appointment.status
    session.refresh(appointment)
    assert (appointment.status, appointment.slot_id) == (status_before, slot_before)


def test_revoked_appointment_tells_the_person_and_offers_new_slots(session, world) -> None:
    org, place, motif, slots, person = world
    appointment = book(session, person, motif, "1", local(2026, 11, 30, 9))
    at = local(2026, 12, 1, 15)
    with time_machine.travel(at, tick=False):
        appointment_service.set_status(session, appointment_id=appointment.id, status="revoked", now=at)
        invitation_service.reoffer_after_revocation(session, appointment=appointment, now=at)
    message = outbox_of(session, person)[-1]
    assert message.kind == "revocation" and "annulé par le service" in message.body and "1) " in message.body
    assert message.segments <= 2
    assert status(session, person, at) == "invitation_pending"
    rebooked = bot_service.choose_slot(session, beneficiary_id=person.id, text="1", now=at)
    assert rebooked.outcome == "booked"


def test_reminder_on_christmas_waits_and_alsace_skips_when_too_late(session) -> None:
    for code, expected in (("26", "queued"), ("67", "skipped")):
        org = f.organisation(session)
        org.departement_code = code
        place, motif = f.place(session, org), f.motif(session, org)
        # Monday 28 December 9:00; reminder due Saturday 26 December 10:00.
        f.slots(session, place, motif, [local(2026, 12, 28, 9)])
        person = f.beneficiary(session, org)
        book(session, person, motif, "1", local(2026, 12, 21, 9))
        sweep_at(session, local(2026, 12, 26, 10), person)
        [row] = [
            r
            for r in scheduling_service.list_scheduled(session, beneficiary_id=person.id)
            if r.appointment_id
        ]
        if code == "26":  # 26 December is a working day in the Drôme
            assert row.state == expected
        else:  # in Bas-Rhin it is a holiday, then Sunday: Monday 8:00 is < 3 h before 9:00
            assert row.state == expected and row.note == "outside sending hours until too late"


def test_reminder_in_reunion_uses_local_hours(session) -> None:
    reunion = ZoneInfo("Indian/Reunion")
    org = f.organisation(session, tz="Indian/Reunion")
    org.departement_code = "974"
    place, motif = f.place(session, org), f.motif(session, org)
    f.slots(session, place, motif, [local(2026, 12, 4, 9, tz=reunion)])
    person = f.beneficiary(session, org)
    book(session, person, motif, "1", local(2026, 11, 30, 9, tz=reunion))
    [row] = [
        r for r in scheduling_service.list_scheduled(session, beneficiary_id=person.id) if r.appointment_id
    ]
    assert row.due_at == local(2026, 12, 2, 10, tz=reunion) == datetime(2026, 12, 2, 6, tzinfo=UTC)


def test_opted_out_person_gets_no_reminder(session, world) -> None:
    org, place, motif, slots, person = world
    book(session, person, motif, "jeudi 9h", local(2026, 11, 30, 9))
    person.opted_out = True
    result = sweep_at(session, local(2026, 12, 1, 10), person)
    assert result.queued == 0 and result.skipped >= 1


def test_thanks_after_a_reminder_confirm_and_otherwise_change_nothing(session, world) -> None:
    """Issue 12: "ok merci" answering a reminder confirms; before the reminder it is thanks."""
    org, place, motif, slots, person = world
    appointment = book(session, person, motif, "jeudi 9h", local(2026, 11, 30, 9))
    before = appointment_reply(
        session, beneficiary_id=person.id, intent="acknowledge", text="ok merci", now=local(2026, 11, 30, 10)
    )
    assert before.outcome == "not_applicable" and appointment.confirmed_at is None
    assert sweep_at(session, local(2026, 12, 1, 10), person).queued == 1
    after = appointment_reply(
        session, beneficiary_id=person.id, intent="acknowledge", text="ok merci", now=local(2026, 12, 1, 11)
    )
    assert after.outcome == "confirmed" and appointment.confirmed_at is not None
    again = appointment_reply(
        session, beneficiary_id=person.id, intent="acknowledge", text="merci", now=local(2026, 12, 1, 12)
    )
    assert again.outcome == "not_applicable"


def test_thanks_after_the_cancel_or_move_question_keep_the_question(session, world) -> None:
    org, place, motif, slots, person = world
    appointment = book(session, person, motif, "jeudi 9h", local(2026, 11, 30, 9))
    assert sweep_at(session, local(2026, 12, 1, 10), person).queued == 1
    at = local(2026, 12, 1, 11)
    asked = appointment_reply(session, beneficiary_id=person.id, intent="deny", text="non", now=at)
    assert asked.outcome == "asked_cancel_or_move"
    thanks = appointment_reply(
        session, beneficiary_id=person.id, intent="acknowledge", text="ok merci", now=at
    )
    assert thanks.outcome == "not_applicable" and appointment.confirmed_at is None
    cancelled = appointment_reply(
        session, beneficiary_id=person.id, intent="cancel_appointment", text="annuler", now=at
    )
    assert cancelled.outcome == "cancelled"


def test_state_says_who_we_are(session, world) -> None:
    org, place, motif, slots, person = world
    org.contact_phone, org.contact_hours = "04 75 79 26 26", "du lundi au vendredi, 9h-17h"
    state = bot_service.state(session, beneficiary_id=person.id, now=local(2026, 11, 30, 9))
    assert (state.organisation_name, state.contact_phone, state.contact_hours) == (
        org.name,
        "04 75 79 26 26",
        "du lundi au vendredi, 9h-17h",
    )
