"""Follow-up statuses of many people at once: each person's newest invitation and appointment."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from api.appointments import service as appointment_service
from api.appointments.followup import followup_statuses
from api.db import utcnow
from api.invitations import service as invitation_service
from tests.api import factories as f

PARIS = ZoneInfo("Europe/Paris")


def test_each_person_gets_the_status_of_their_own_newest_invitation_and_appointment(
    session: Session,
) -> None:
    now = utcnow()
    org = f.organisation(session)
    place = f.place(session, org)
    motif = f.motif(session, org)
    slots = f.slots(session, place, motif, f.weekday_starts(now + timedelta(days=2), PARIS, 8))
    never, invited, expired, booked, seen, reinvited = (f.beneficiary(session, org) for _ in range(6))

    def invite(person, at):
        return invitation_service.create_invitation(
            session, beneficiary_id=person.id, motif_id=motif.id, place_id=place.id, now=at
        )

    def book(person, slot, at):
        appointment = appointment_service.book(session, beneficiary=person, slot_id=slot.id, now=at)
        assert appointment is not None
        return appointment

    invite(invited, now)
    invite(expired, now - timedelta(days=30))
    invite(booked, now - timedelta(hours=2))
    book(booked, slots[0], now - timedelta(hours=1))
    past = f.slots(session, place, motif, [now - timedelta(days=1)])[0]
    visit = book(seen, past, now - timedelta(days=3))
    appointment_service.set_status(session, appointment_id=visit.id, status="seen", now=now)
    book(reinvited, slots[2], now - timedelta(days=3))  # an older appointment, then a new invitation
    invite(reinvited, now - timedelta(hours=1))

    people = [never, invited, expired, booked, seen, reinvited]
    statuses = followup_statuses(session, beneficiary_ids=[p.id for p in people], now=now)
    assert [statuses[p.id] for p in people] == [
        "not_invited",
        "invitation_pending",
        "invitation_expired",
        "rdv_pending",
        "rdv_seen",
        "invitation_pending",
    ]
    assert followup_statuses(session, beneficiary_ids=[], now=now) == {}
