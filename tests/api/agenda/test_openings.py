"""Slots from plages d'ouverture: weekly, back to back, in local time, minus holidays and absences."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda import absences, openings
from api.agenda import service as agenda_service
from api.agenda.models import Motif, OpeningPeriod, Place, Slot
from api.appointments import agenda_changes
from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.errors import Invalid, NotFound
from api.invitations import service as invitation_service
from api.organisations import service as organisation_service
from api.organisations.models import Organisation
from tests.api import factories as f

PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
# A Monday morning in winter, before any of the plages below start.
NOW = datetime(2027, 1, 4, 5, 0, tzinfo=UTC)


def _motif(session: Session, org: Organisation, minutes: int) -> Motif:
    return agenda_service.create_motif(
        session, organisation_id=org.id, name=f"Suivi {minutes}", duration_minutes=minutes
    )


def _plage(
    session: Session,
    place: Place,
    motif: Motif,
    *,
    weekday: int,
    hours: tuple[str, str] = ("09:00", "12:00"),
    valid_from: date = date(2027, 1, 4),
    valid_until: date | None = None,
    capacity: int = 1,
    now: datetime = NOW,
) -> openings.Change:
    return openings.create_opening_period(
        session,
        place_id=place.id,
        motif_id=motif.id,
        weekday=weekday,
        start_time=time.fromisoformat(hours[0]),
        end_time=time.fromisoformat(hours[1]),
        valid_from=valid_from,
        valid_until=valid_until,
        capacity=capacity,
        now=now,
    )


def _slots(session: Session, period: OpeningPeriod | None = None, place: Place | None = None) -> list[Slot]:
    query = select(Slot).order_by(Slot.start)
    if period is not None:
        query = query.where(Slot.opening_period_id == period.id)
    if place is not None:
        query = query.where(Slot.place_id == place.id)
    return list(session.scalars(query))


def _local(slots: list[Slot], tz: ZoneInfo = PARIS) -> list[str]:
    return [f"{slot.start.astimezone(tz):%Y-%m-%d %H:%M}-{slot.end.astimezone(tz):%H:%M}" for slot in slots]


@pytest.fixture
def org(session: Session) -> Organisation:
    return f.organisation(session)


@pytest.fixture
def place(session: Session, org: Organisation) -> Place:
    return f.place(session, org)


def test_weekly_plage_splits_into_back_to_back_slots_that_end_by_the_end_hour(
    session: Session, org: Organisation, place: Place
) -> None:
    motif = _motif(session, org, 50)
    change = _plage(session, place, motif, weekday=2, valid_until=date(2027, 1, 20))  # Wednesdays
    assert change.slots_created == 9
    assert _local(_slots(session, change.period)) == [
        f"2027-01-{day} {hours}"
        for day in ("06", "13", "20")
        for hours in ("09:00-09:50", "09:50-10:40", "10:40-11:30")  # 11:30 + 50 min > 12:00
    ]
    slot = _slots(session, change.period)[0]
    assert (slot.capacity, slot.booked_count, slot.organisation_id, slot.motif_id) == (1, 0, org.id, motif.id)
    assert slot.start.utcoffset() == timedelta(0)  # stored in UTC: 9:00 in Paris is 8:00 UTC
    assert slot.start == datetime(2027, 1, 6, 8, 0, tzinfo=UTC)


def test_validity_range_and_horizon_bound_the_dates(
    session: Session, org: Organisation, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    motif = _motif(session, org, 60)
    later = _plage(
        session,
        place,
        motif,
        weekday=0,
        hours=("14:00", "15:00"),
        valid_from=date(2027, 1, 12),
        valid_until=date(2027, 2, 1),
    )
    # Mondays 18/1, 25/1 and 1/2: not the 11th (before valid_from), not the 8th of February (after).
    assert [s.start.astimezone(PARIS).date().isoformat() for s in _slots(session, later.period)] == [
        "2027-01-18",
        "2027-01-25",
        "2027-02-01",
    ]
    open_ended = _plage(session, place, motif, weekday=1, hours=("09:00", "10:00"))
    starts = [s.start.astimezone(PARIS).date() for s in _slots(session, open_ended.period)]
    # Default horizon: 56 days from today (4 January) -> Tuesdays up to 1 March, 8 of them.
    assert (starts[0], starts[-1], len(starts)) == (date(2027, 1, 5), date(2027, 2, 23), 8)
    assert all(day.weekday() == 1 for day in starts)
    # Today's slots already past are not made; a longer horizon adds the next weeks only.
    assert openings.generate(session, period=open_ended.period, now=NOW, horizon_days=70) == 2
    monkeypatch.setattr(openings.get_settings(), "slot_horizon_days", 7)
    short = _plage(session, place, motif, weekday=3, hours=("09:00", "10:00"))
    assert short.slots_created == 1  # Thursday 7 January only


def test_slots_already_started_today_are_not_made(session: Session, org: Organisation, place: Place) -> None:
    motif = _motif(session, org, 60)
    noon_paris = datetime(2027, 1, 4, 11, 30, tzinfo=UTC)  # Monday 12:30 in Paris
    change = _plage(
        session,
        place,
        motif,
        weekday=0,
        hours=("11:00", "14:00"),
        valid_until=date(2027, 1, 4),
        now=noon_paris,
    )
    assert _local(_slots(session, change.period)) == ["2027-01-04 13:00-14:00"]


def test_the_dst_week_in_paris_keeps_local_hours_and_real_durations(
    session: Session, org: Organisation, place: Place
) -> None:
    motif = _motif(session, org, 60)
    now = datetime(2026, 3, 16, 5, 0, tzinfo=UTC)
    mornings = _plage(
        session, place, motif, weekday=0, hours=("09:00", "10:00"), valid_from=date(2026, 3, 16), now=now
    )
    starts = [slot.start for slot in _slots(session, mornings.period)][:3]
    # 9:00 in Paris is 8:00 UTC before 29 March 2026, 7:00 UTC after.
    assert starts == [
        datetime(2026, 3, 16, 8, tzinfo=UTC),
        datetime(2026, 3, 23, 8, tzinfo=UTC),
        datetime(2026, 3, 30, 7, tzinfo=UTC),
    ]
    # A night plage on the Sundays around the change (clocks go from 2:00 to 3:00 on 29 March).
    nights = _plage(
        session,
        place,
        motif,
        weekday=6,
        hours=("01:00", "04:00"),
        valid_from=date(2026, 3, 22),
        valid_until=date(2026, 3, 29),
        now=now,
    )
    slots = _slots(session, nights.period)
    assert _local(slots) == [
        "2026-03-22 01:00-02:00",
        "2026-03-22 02:00-03:00",
        "2026-03-22 03:00-04:00",
        "2026-03-29 01:00-03:00",  # 2:00 does not exist: this hour ends at 3:00 local
        "2026-03-29 03:00-04:00",
    ]
    assert all(slot.end - slot.start == timedelta(hours=1) for slot in slots)
    # In October the hour from 2:00 to 3:00 happens twice: both are slots, none overlaps.
    autumn = _plage(
        session,
        place,
        motif,
        weekday=6,
        hours=("01:00", "04:00"),
        valid_from=date(2026, 10, 25),
        valid_until=date(2026, 10, 25),
        now=datetime(2026, 10, 20, tzinfo=UTC),
    )
    starts = [slot.start for slot in _slots(session, autumn.period)]
    assert starts == [datetime(2026, 10, 24, 23, tzinfo=UTC) + timedelta(hours=h) for h in range(4)]
    assert _local(_slots(session, autumn.period)) == [
        "2026-10-25 01:00-02:00",
        "2026-10-25 02:00-02:00",  # 2:00 summer time to 2:00 winter time
        "2026-10-25 02:00-03:00",
        "2026-10-25 03:00-04:00",
    ]


def test_a_plage_starting_inside_the_spring_gap_opens_when_the_clocks_jump(
    session: Session, org: Organisation, place: Place
) -> None:
    motif = _motif(session, org, 30)
    change = _plage(
        session,
        place,
        motif,
        weekday=6,
        hours=("02:30", "04:00"),
        valid_from=date(2026, 3, 29),
        valid_until=date(2026, 3, 29),
        now=datetime(2026, 3, 20, tzinfo=UTC),
    )
    assert _local(_slots(session, change.period)) == ["2026-03-29 03:00-03:30", "2026-03-29 03:30-04:00"]


def test_reunion_time_and_its_own_public_holiday(session: Session) -> None:
    reunion = organisation_service.create_organisation(
        session, name="Département de La Réunion", departement_code="974", time_zone="Indian/Reunion"
    )
    drome = f.organisation(session)
    now = datetime(2027, 12, 6, tzinfo=UTC)
    made = {}
    for org in (reunion, drome):
        place = f.place(session, org)
        change = _plage(
            session,
            place,
            _motif(session, org, 60),
            weekday=0,
            hours=("08:00", "10:00"),
            valid_from=date(2027, 12, 13),
            valid_until=date(2027, 12, 27),
            now=now,
        )
        made[org.name] = _slots(session, change.period)
    # 20 December is a public holiday in La Réunion (abolition of slavery), not in the Drôme.
    assert _local(made[reunion.name], REUNION) == [
        "2027-12-13 08:00-09:00",
        "2027-12-13 09:00-10:00",
        "2027-12-27 08:00-09:00",
        "2027-12-27 09:00-10:00",
    ]
    assert made[reunion.name][0].start == datetime(2027, 12, 13, 4, tzinfo=UTC)  # UTC+4, all year
    assert [s.start.astimezone(PARIS).day for s in made[drome.name]] == [13, 13, 20, 20, 27, 27]


def test_public_holidays_are_skipped(session: Session, org: Organisation, place: Place) -> None:
    change = _plage(
        session,
        place,
        _motif(session, org, 60),
        weekday=1,
        hours=("09:00", "10:00"),
        valid_from=date(2026, 7, 7),
        valid_until=date(2026, 7, 21),
        now=datetime(2026, 7, 1, tzinfo=UTC),
    )
    # Tuesday 14 July 2026 is the Fête nationale.
    assert [s.start.astimezone(PARIS).day for s in _slots(session, change.period)] == [7, 21]


def test_generation_is_idempotent_and_keeps_a_slot_made_by_hand(
    session: Session, org: Organisation, place: Place
) -> None:
    motif = _motif(session, org, 60)
    by_hand = agenda_service.create_slot(
        session,
        place_id=place.id,
        motif_id=motif.id,
        start=datetime(2027, 1, 11, 9, tzinfo=PARIS),
        capacity=3,
    )
    change = _plage(session, place, motif, weekday=0, hours=("09:00", "11:00"), valid_until=date(2027, 1, 18))
    assert change.slots_created == 5  # 4/1 (x2), 11/1 10:00, 18/1 (x2): 11/1 9:00 already existed
    before = _local(_slots(session, place=place))
    assert openings.generate(session, period=change.period, now=NOW) == 0
    assert agenda_changes.generate_all(session, NOW) == 0
    assert _local(_slots(session, place=place)) == before and len(before) == 6
    session.refresh(by_hand)
    assert (by_hand.capacity, by_hand.opening_period_id) == (3, None)


def test_generate_all_covers_every_valid_plage(session: Session, org: Organisation, place: Place) -> None:
    motif = _motif(session, org, 60)
    periods = [
        OpeningPeriod(
            organisation_id=org.id,
            place_id=place.id,
            motif_id=motif.id,
            weekday=weekday,
            start_time=time(9),
            end_time=time(10),
            capacity=2,
            valid_from=date(2026, 1, 1),
            valid_until=until,
        )
        for weekday, until in ((0, None), (1, date(2027, 1, 12)), (2, date(2026, 12, 1)))
    ]
    session.add_all(periods)
    session.flush()
    # Mondays from today to today + 56 days (both included): 9; Tuesdays until 12 January: 2; ended: none.
    assert agenda_changes.generate_all(session, NOW) == 9 + 2
    assert {slot.opening_period_id for slot in _slots(session, place=place)} == {periods[0].id, periods[1].id}
    assert {slot.capacity for slot in _slots(session, place=place)} == {2}


def test_an_absence_skips_slots_and_reports_the_booked_ones(
    session: Session, org: Organisation, place: Place
) -> None:
    motif = _motif(session, org, 60)
    other_place = f.place(session, org, name="Antenne de Romans")
    change = _plage(session, place, motif, weekday=0, hours=("09:00", "12:00"), valid_until=date(2027, 1, 25))
    elsewhere = _plage(
        session, other_place, motif, weekday=0, hours=("09:00", "12:00"), valid_until=date(2027, 1, 25)
    )
    person = f.beneficiary(session, org)
    booked_slot = next(
        s for s in _slots(session, change.period) if _local([s])[0].startswith("2027-01-11 10:00")
    )
    appointment = appointment_service.book(session, beneficiary=person, slot_id=booked_slot.id, now=NOW)
    assert appointment is not None

    # Monday 11 January, 9:30 to 11:30 at the first place: overlaps the 9:00, 10:00 and 11:00 slots.
    absence, withdrawal = agenda_changes.create_absence(
        session,
        organisation_id=org.id,
        place_id=place.id,
        starts_at=datetime(2027, 1, 11, 9, 30, tzinfo=PARIS),
        ends_at=datetime(2027, 1, 11, 11, 30, tzinfo=PARIS),
        reason="Formation",
        now=NOW,
    )
    assert (withdrawal.slots_removed, withdrawal.slots_closed) == (2, 0)
    assert [a.id for a in withdrawal.to_move] == [appointment.id]
    assert [a.id for a in agenda_changes.appointments_to_move(session, absence=absence, now=NOW)] == [
        appointment.id
    ]
    left = _local(_slots(session, change.period))
    assert [s for s in left if s.startswith("2027-01-11")] == [
        "2027-01-11 10:00-11:00"
    ]  # the booked one stays
    assert len(_slots(session, elsewhere.period)) == 12  # the other place is untouched
    # Generation does not put them back while the absence lasts.
    assert openings.generate(session, period=change.period, now=NOW) == 0

    # The person cancels: the freed slot is still inside the absence and is never offered or booked.
    appointment_service.cancel_by_person(session, appointment=appointment, now=NOW)
    free = agenda_service.free_slots(session, motif_id=motif.id, place_id=place.id, now=NOW, limit=50)
    assert booked_slot.id not in {slot.id for slot in free}
    assert not agenda_service.take_place(session, slot_id=booked_slot.id, now=NOW)

    # Lifting the absence gives the hours back, the freed one included.
    assert absences.delete_absence(session, absence=absence, now=NOW) == 2
    assert [s for s in _local(_slots(session, change.period)) if s.startswith("2027-01-11")] == [
        "2027-01-11 09:00-10:00",
        "2027-01-11 10:00-11:00",
        "2027-01-11 11:00-12:00",
    ]
    assert agenda_service.take_place(session, slot_id=booked_slot.id, now=NOW)


def test_an_organisation_wide_absence_covers_every_place_and_later_generation(
    session: Session, org: Organisation, place: Place
) -> None:
    motif = _motif(session, org, 60)
    other_place = f.place(session, org, name="Antenne de Romans")
    agenda_changes.create_absence(
        session,
        organisation_id=org.id,
        starts_at=datetime(2027, 1, 18, 0, 0, tzinfo=PARIS),
        ends_at=datetime(2027, 1, 19, 0, 0, tzinfo=PARIS),
        reason="Séminaire",
        now=NOW,
    )
    for where in (place, other_place):
        change = _plage(
            session, where, motif, weekday=0, hours=("09:00", "10:00"), valid_until=date(2027, 1, 25)
        )
        assert [s.start.astimezone(PARIS).day for s in _slots(session, change.period)] == [4, 11, 25]


def test_an_absence_keeps_a_slot_someone_may_still_choose(
    session: Session, org: Organisation, place: Place
) -> None:
    """Deleting a slot of an open numbered list would shift the numbers the person answers with."""
    motif = _motif(session, org, 60)
    change = _plage(session, place, motif, weekday=0, hours=("09:00", "12:00"), valid_until=date(2027, 1, 18))
    person = f.beneficiary(session, org)
    invitation = invitation_service.create_invitation(
        session, beneficiary_id=person.id, motif_id=motif.id, place_id=place.id, now=NOW
    )
    first = invitation.offered_slot_ids[0]
    absence, withdrawal = agenda_changes.create_absence(
        session,
        organisation_id=org.id,
        place_id=place.id,
        starts_at=datetime(2027, 1, 4, 0, 0, tzinfo=PARIS),
        ends_at=datetime(2027, 1, 19, 0, 0, tzinfo=PARIS),
        now=NOW,
    )
    assert withdrawal.slots_removed == 9 - len(invitation.offered_slot_ids)
    assert session.get(Slot, first) is not None
    assert not agenda_service.take_place(session, slot_id=first, now=NOW)  # the absence blocks it
    assert agenda_service.free_slots(session, motif_id=motif.id, place_id=None, now=NOW, limit=10) == []
    # Lifted: the slots kept open again, the deleted ones come back.
    assert absences.delete_absence(session, absence=absence, now=NOW) == withdrawal.slots_removed
    assert len(_slots(session, change.period)) == 9
    assert agenda_service.take_place(session, slot_id=first, now=NOW)


def test_an_absence_is_checked(session: Session, org: Organisation, place: Place) -> None:
    other = f.organisation(session, name="Autre département")
    foreign_place = f.place(session, other)
    start = datetime(2027, 1, 11, 9, tzinfo=PARIS)
    with pytest.raises(NotFound):
        agenda_changes.create_absence(
            session,
            organisation_id=org.id,
            place_id=foreign_place.id,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            now=NOW,
        )
    with pytest.raises(Invalid):
        agenda_changes.create_absence(
            session, organisation_id=org.id, starts_at=start, ends_at=start, now=NOW
        )


def test_deleting_a_plage_removes_its_future_free_slots_and_reports_booked_ones(
    session: Session, org: Organisation, place: Place
) -> None:
    motif = _motif(session, org, 60)
    change = _plage(
        session, place, motif, weekday=0, hours=("09:00", "11:00"), valid_until=date(2027, 1, 25), capacity=2
    )
    slots = _slots(session, change.period)
    person = f.beneficiary(session, org)
    appointment = appointment_service.book(session, beneficiary=person, slot_id=slots[5].id, now=NOW)
    assert appointment is not None
    later = NOW + timedelta(days=7, hours=5)  # Monday 11 January, 11:00 in Paris: that day's slots are past
    withdrawal = agenda_changes.delete_opening_period(session, period=change.period, now=later)
    assert (withdrawal.slots_removed, withdrawal.slots_closed) == (3, 1)
    assert [a.id for a in withdrawal.to_move] == [appointment.id]
    assert session.get(OpeningPeriod, change.period.id) is None
    left = _slots(session, place=place)
    # Past slots (4 and 11 January) stay, unlinked; the booked one stays, closed to new bookings.
    assert _local(left) == [
        "2027-01-04 09:00-10:00",
        "2027-01-04 10:00-11:00",
        "2027-01-11 09:00-10:00",
        "2027-01-11 10:00-11:00",
        "2027-01-18 10:00-11:00",
    ]
    assert all(slot.opening_period_id is None for slot in left)
    kept = left[-1]
    assert (kept.id, kept.capacity, kept.booked_count) == (slots[5].id, 1, 1)
    assert kept.closed_at == later
    assert session.get(Appointment, appointment.id).status == "unknown"

    # The person cancels: the freed place is not offered, the place no longer opens then.
    appointment_service.cancel_by_person(session, appointment=appointment, now=later)
    session.refresh(kept)
    assert kept.booked_count == 0
    free = agenda_service.free_slots(session, motif_id=motif.id, place_id=place.id, now=later, limit=50)
    assert kept.id not in {slot.id for slot in free}
    assert not agenda_service.take_place(session, slot_id=kept.id, now=later)


def test_a_deleted_plage_closes_slots_still_offered_and_a_new_plage_reopens_them(
    session: Session, org: Organisation, place: Place
) -> None:
    motif = _motif(session, org, 60)
    change = _plage(session, place, motif, weekday=0, hours=("09:00", "11:00"), valid_until=date(2027, 1, 18))
    person = f.beneficiary(session, org)
    invitation = invitation_service.create_invitation(
        session, beneficiary_id=person.id, motif_id=motif.id, place_id=place.id, now=NOW
    )
    offered = set(invitation.offered_slot_ids)
    assert len(offered) == 4 and change.slots_created == 6
    withdrawal = agenda_changes.delete_opening_period(session, period=change.period, now=NOW)
    # The 4 slots of the person's numbered list stay (closed), so that "2" still means the 2nd.
    assert (withdrawal.slots_removed, withdrawal.slots_closed, withdrawal.to_move) == (2, 4, [])
    kept = _slots(session, place=place)
    assert {slot.id for slot in kept} == offered and {slot.capacity for slot in kept} == {0}
    assert agenda_service.free_slots(session, motif_id=motif.id, place_id=place.id, now=NOW, limit=10) == []
    assert not agenda_service.take_place(session, slot_id=kept[0].id, now=NOW)
    # The same hours opened again: the closed slots are taken back rather than doubled.
    again = _plage(session, place, motif, weekday=0, hours=("09:00", "11:00"), valid_until=date(2027, 1, 18))
    assert again.slots_created == 2
    slots = _slots(session, place=place)
    assert len(slots) == 6 and {(s.capacity, s.opening_period_id) for s in slots} == {(1, again.period.id)}
    assert all(slot.closed_at is None for slot in slots)


def test_shortening_a_plage_withdraws_what_it_no_longer_holds(
    session: Session, org: Organisation, place: Place
) -> None:
    motif = _motif(session, org, 60)
    change = _plage(session, place, motif, weekday=0, hours=("09:00", "12:00"), valid_until=date(2027, 1, 25))
    assert change.slots_created == 12
    person = f.beneficiary(session, org)
    late_slot = next(s for s in _slots(session, change.period) if _local([s])[0] == "2027-01-11 11:00-12:00")
    appointment = appointment_service.book(session, beneficiary=person, slot_id=late_slot.id, now=NOW)
    assert appointment is not None

    # Close at 11:00 from now on: the 11:00 slots go, except the booked one (closed, to move).
    shorter = agenda_changes.update_opening_period(
        session, period=change.period, changes={"end_time": time(11)}, now=NOW
    )
    assert (shorter.slots_created, shorter.withdrawal.slots_removed, shorter.withdrawal.slots_closed) == (
        0,
        3,
        1,
    )
    assert [a.id for a in shorter.withdrawal.to_move] == [appointment.id]
    assert [s for s in _local(_slots(session, change.period)) if s.endswith("12:00")] == [
        "2027-01-11 11:00-12:00"
    ]

    # The person cancels: the place freed outside the hours is never offered again.
    appointment_service.cancel_by_person(session, appointment=appointment, now=NOW)
    session.refresh(late_slot)
    assert (late_slot.capacity, late_slot.booked_count) == (1, 0)
    free = agenda_service.free_slots(session, motif_id=motif.id, place_id=place.id, now=NOW, limit=50)
    assert late_slot.id not in {slot.id for slot in free}  # closed since the hours were shortened
    agenda_changes.generate_all(session, NOW)
    session.refresh(late_slot)
    assert late_slot.closed_at is not None  # kept (a cancelled appointment points at it), closed
    free = agenda_service.free_slots(session, motif_id=motif.id, place_id=place.id, now=NOW, limit=50)
    assert late_slot.id not in {slot.id for slot in free}

    # End on 11 January: the 18th and 25th go.
    ended = agenda_changes.update_opening_period(
        session, period=change.period, changes={"valid_until": date(2027, 1, 11)}, now=NOW
    )
    assert ended.withdrawal.slots_removed == 4
    assert {s.start.astimezone(PARIS).day for s in _slots(session, change.period)} == {4, 11}

    # Give the hours back, with two places per slot: they are generated again.
    wider = agenda_changes.update_opening_period(
        session,
        period=change.period,
        changes={"end_time": time(12), "valid_until": date(2027, 1, 18), "capacity": 2},
        now=NOW,
    )
    assert wider.slots_created == 4  # 4/1 11:00 and the three slots of the 18th
    assert {slot.capacity for slot in _slots(session, change.period)} == {2}


def test_a_plage_is_checked(session: Session, org: Organisation, place: Place) -> None:
    motif = _motif(session, org, 60)
    with pytest.raises(Invalid):
        _plage(session, place, motif, weekday=0, hours=("10:00", "09:00"))
    with pytest.raises(Invalid):
        _plage(session, place, motif, weekday=0, hours=("09:00", "09:30"))  # shorter than one appointment
    with pytest.raises(Invalid):
        _plage(session, place, motif, weekday=0, valid_from=date(2027, 2, 1), valid_until=date(2027, 1, 1))
    foreign_motif = _motif(session, f.organisation(session, name="Autre"), 60)
    with pytest.raises(NotFound):
        _plage(session, place, foreign_motif, weekday=0)
