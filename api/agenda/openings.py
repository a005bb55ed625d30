"""Plages d'ouverture and the slots generated from them.

A plage repeats every week: on its weekday, from `start_time` to `end_time` in the
organisation's wall-clock time, it holds back-to-back slots of the motif's length. Slots are
generated ahead (a horizon of `slot_horizon_days`), never on a public holiday of the
organisation's département nor over an absence. Generation is idempotent: a slot with the same
place, motif and start is kept as it is, so the daily job and a professional's click can both
run it.

Times: each day's bounds are converted with zoneinfo, then slots follow real time. A plage
"9h-12h" therefore stays 9h-12h local on both sides of a daylight saving change; on the night
of a change a plage simply holds the hours that really exist (no slot twice at 2h in March, no
hour lost in October).

Withdrawing slots (plage deleted or shortened): a free slot is deleted. A slot that a person
still holds is never deleted: it is closed to new bookings (`closed_at`, and capacity = places
taken) and its appointments are handed back as "rendez-vous à déplacer". A slot that something else still
points at (a cancelled appointment, a numbered list a person may answer) is closed too. A closed
slot is never offered again, even when its appointment is cancelled; the same hours opened again
take it back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from api.agenda.models import Absence, Motif, OpeningPeriod, Place, Slot
from api.appointments.models import Appointment
from api.config import get_settings
from api.errors import Invalid, NotFound
from api.invitations.models import Invitation
from api.organisations.models import Organisation
from api.public_holidays import local_day_is_holiday

# Key of the PostgreSQL advisory locks that keep two generators from creating the same slot.
_LOCK_SPACE = 0x5107


@dataclass
class Withdrawal:
    """What happened to slots that are no longer open: deleted, or closed with people in them."""

    slots_removed: int = 0
    slots_closed: int = 0
    to_move: list[Appointment] = field(default_factory=list)

    def add(self, other: Withdrawal) -> None:
        self.slots_removed += other.slots_removed
        self.slots_closed += other.slots_closed
        self.to_move += other.to_move


@dataclass
class Change:
    """A plage created or changed: slots made and slots withdrawn."""

    period: OpeningPeriod
    slots_created: int = 0
    withdrawal: Withdrawal = field(default_factory=Withdrawal)


# --------------------------------------------------------------------------- time arithmetic


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def local_instant(day: date, wall: time, tz: ZoneInfo, *, latest: bool = False) -> datetime:
    """The UTC instant of a local wall-clock time.

    Ambiguous (autumn fold): the first occurrence, or the second with `latest`. Missing (spring
    gap): the moment the clocks jump forward, the first instant at or after that wall time.
    """
    naive = datetime.combine(day, wall)
    found = [
        instant
        for instant in (naive.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
        if _wall(instant, tz) == naive
    ]
    if found:
        return max(found) if latest else min(found)
    # In the gap, fold=1 maps before the change: walk to it minute by minute (a gap is an hour or two).
    instant = min(naive.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    while _wall(instant, tz) < naive:
        instant += timedelta(minutes=1)
    return instant


def day_slots(
    day: date, start: time, end: time, duration: timedelta, tz: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """Back-to-back (start, end) UTC slots of `duration` from `start` while they end by `end`, local."""
    at = local_instant(day, start, tz)
    limit = local_instant(day, end, tz, latest=True)
    while at + duration <= limit:
        yield at, at + duration
        at += duration


def period_days(period: OpeningPeriod, first: date, last: date) -> Iterator[date]:
    """The dates in [first, last] that fall on the plage's weekday and within its validity."""
    first = max(first, period.valid_from)
    if period.valid_until is not None:
        last = min(last, period.valid_until)
    day = first + timedelta(days=(period.weekday - first.weekday()) % 7)
    while day <= last:
        yield day
        day += timedelta(days=7)


def period_slots(
    period: OpeningPeriod,
    *,
    duration: timedelta,
    tz: ZoneInfo,
    departement_code: str,
    first: date,
    last: date,
) -> Iterator[tuple[datetime, datetime]]:
    """Every slot the plage holds between two local dates, public holidays left out."""
    for day in period_days(period, first, last):
        if not local_day_is_holiday(day, departement_code):
            yield from day_slots(day, period.start_time, period.end_time, duration, tz)


# --------------------------------------------------------------------------- generation


def _lock_place(session: Session, place_id: int) -> None:
    """On PostgreSQL, one generator at a time per place (several schedulers may run)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": _LOCK_SPACE, "key": place_id}
        )


def _context(session: Session, period: OpeningPeriod) -> tuple[Organisation, timedelta]:
    organisation = session.get(Organisation, period.organisation_id)
    motif = session.get(Motif, period.motif_id)
    assert organisation is not None and motif is not None
    return organisation, timedelta(minutes=motif.duration_minutes)


def generate(
    session: Session, *, period: OpeningPeriod, now: datetime, horizon_days: int | None = None
) -> int:
    """Create the plage's missing slots from today to the horizon; how many were created."""
    organisation, duration = _context(session, period)
    tz = organisation.zone
    today = now.astimezone(tz).date()
    horizon = get_settings().slot_horizon_days if horizon_days is None else horizon_days
    wanted = [
        (start, end)
        for start, end in period_slots(
            period,
            duration=duration,
            tz=tz,
            departement_code=organisation.departement_code,
            first=today,
            last=today + timedelta(days=horizon),
        )
        if start > now
    ]
    if not wanted:
        return 0
    _lock_place(session, period.place_id)
    first_start, last_end = wanted[0][0], wanted[-1][1]
    existing = {
        slot.start: slot
        for slot in session.scalars(
            select(Slot).where(
                Slot.place_id == period.place_id,
                Slot.motif_id == period.motif_id,
                Slot.start >= first_start,
                Slot.start < last_end,
            )
        )
    }
    absences = list(
        session.scalars(
            select(Absence).where(
                Absence.organisation_id == period.organisation_id,
                or_(Absence.place_id.is_(None), Absence.place_id == period.place_id),
                Absence.starts_at < last_end,
                Absence.ends_at > first_start,
            )
        )
    )
    created = 0
    for start, end in wanted:
        if any(a.starts_at < end and a.ends_at > start for a in absences):
            continue
        slot = existing.get(start)
        if slot is not None:
            # Kept as it is, but a slot closed earlier (hours removed, then given back) reopens: one of
            # this plage, or one left closed by a deleted plage.
            if slot.closed_at is not None and slot.opening_period_id in (None, period.id):
                slot.opening_period_id = period.id
                slot.closed_at = None
            if slot.opening_period_id == period.id and slot.capacity < period.capacity:
                slot.capacity = period.capacity
            continue
        session.add(
            Slot(
                organisation_id=period.organisation_id,
                place_id=period.place_id,
                motif_id=period.motif_id,
                start=start,
                end=end,
                capacity=period.capacity,
                booked_count=0,
                opening_period_id=period.id,
            )
        )
        created += 1
    session.flush()
    return created


def generate_organisation(session: Session, *, organisation_id: int, now: datetime) -> int:
    """Generate the slots of every plage of one organisation (after an absence is lifted)."""
    periods = session.scalars(
        select(OpeningPeriod)
        .where(OpeningPeriod.organisation_id == organisation_id)
        .order_by(OpeningPeriod.place_id, OpeningPeriod.id)
    ).all()
    return sum(generate(session, period=period, now=now) for period in periods)


def generate_all(session: Session, now: datetime) -> int:
    """The daily job: every plage still valid today gets its slots up to the horizon."""
    # Places in ascending order: two schedulers take their locks in the same order.
    periods = session.scalars(
        select(OpeningPeriod)
        .where(
            or_(
                OpeningPeriod.valid_until.is_(None),
                OpeningPeriod.valid_until >= (now - timedelta(days=1)).date(),
            )
        )
        .order_by(OpeningPeriod.place_id, OpeningPeriod.id)
    ).all()
    created = 0
    for period in periods:
        _close_strays(session, period, now)
        created += generate(session, period=period, now=now)
    return created


def _close_strays(session: Session, period: OpeningPeriod, now: datetime) -> None:
    """A slot left outside its plage's hours (it was held then) that has a free place again is withdrawn."""
    open_slots = [
        slot
        for slot in _future_slots(session, period, now)
        if slot.closed_at is None and slot.booked_count < slot.capacity
    ]
    fits = _still_fits(session, period, open_slots)
    withdraw(session, [slot for slot in open_slots if slot.id not in fits], now=now)


# --------------------------------------------------------------------------- withdrawing slots


def _offered_now(session: Session, organisation_ids: set[int], now: datetime) -> set[int]:
    """Slot ids in a numbered list a person may still answer: deleting one would shift the numbers."""
    lists = session.scalars(
        select(Invitation.offered_slot_ids).where(
            Invitation.organisation_id.in_(organisation_ids),
            Invitation.status == "pending",
            Invitation.expires_at > now,
        )
    )
    return {slot_id for offered in lists for slot_id in offered or ()}


def withdraw(session: Session, slots: Sequence[Slot], *, now: datetime, close: bool = True) -> Withdrawal:
    """Take slots out of the agenda: free ones are deleted, the others closed; held ones reported.

    A slot is kept (and, with `close`, closed: `closed_at` set, capacity brought down to the places
    taken) when
    an appointment points at it, even a cancelled one, or when it is in a numbered list a person
    may still answer. The appointments still holding a place are the "rendez-vous à déplacer".
    """
    result = Withdrawal()
    if not slots:
        return result
    ids = [slot.id for slot in slots]
    kept = set(session.scalars(select(Appointment.slot_id).where(Appointment.slot_id.in_(ids))))
    kept |= _offered_now(session, {slot.organisation_id for slot in slots}, now)
    deletable = {slot.id for slot in slots if slot.booked_count == 0 and slot.id not in kept}
    for slot in slots:
        if close and slot.id not in deletable and slot.closed_at is None:
            slot.closed_at = now
            slot.capacity = slot.booked_count
            result.slots_closed += 1
    if deletable:
        for slot in slots:
            if slot.id in deletable:
                session.expunge(slot)
        session.execute(
            delete(Slot).where(Slot.id.in_(deletable)).execution_options(synchronize_session=False)
        )
        result.slots_removed = len(deletable)
    result.to_move = list(
        session.scalars(
            select(Appointment)
            .join(Slot, Appointment.slot_id == Slot.id)
            .where(Appointment.slot_id.in_(ids), Appointment.status == "unknown")
            .order_by(Slot.start, Appointment.id)
        )
    )
    session.flush()
    return result


def _future_slots(session: Session, period: OpeningPeriod, now: datetime) -> list[Slot]:
    query = select(Slot).where(Slot.opening_period_id == period.id, Slot.start > now).order_by(Slot.start)
    return list(session.scalars(query))


def _still_fits(session: Session, period: OpeningPeriod, slots: Sequence[Slot]) -> set[int]:
    """Ids of the slots that the plage, as it is now, still holds (absences aside)."""
    if not slots:
        return set()
    organisation, duration = _context(session, period)
    tz = organisation.zone
    first = min(slot.start for slot in slots).astimezone(tz).date()
    last = max(slot.start for slot in slots).astimezone(tz).date()
    held = {
        start
        for start, _end in period_slots(
            period,
            duration=duration,
            tz=tz,
            departement_code=organisation.departement_code,
            first=first,
            last=last,
        )
    }
    return {slot.id for slot in slots if slot.start in held}


# --------------------------------------------------------------------------- plages


def _check_hours(start_time: time, end_time: time, valid_from: date, valid_until: date | None) -> None:
    if start_time.tzinfo is not None or end_time.tzinfo is not None:
        raise Invalid("start_time and end_time are local wall-clock times, without an offset")
    if start_time >= end_time:
        raise Invalid("start_time must come before end_time")
    if valid_until is not None and valid_until < valid_from:
        raise Invalid("valid_until must not come before valid_from")


def _check_length(start_time: time, end_time: time, duration_minutes: int) -> None:
    minutes = (end_time.hour * 60 + end_time.minute) - (start_time.hour * 60 + start_time.minute)
    if minutes < duration_minutes:
        raise Invalid(f"the plage is shorter than one appointment of this motif ({duration_minutes} min)")


def create_opening_period(
    session: Session,
    *,
    place_id: int,
    motif_id: int,
    weekday: int,
    start_time: time,
    end_time: time,
    valid_from: date,
    now: datetime,
    capacity: int = 1,
    valid_until: date | None = None,
) -> Change:
    """Open a weekly plage at a place for a motif, and generate its slots at once."""
    place = session.get(Place, place_id)
    if place is None:
        raise NotFound("place")
    motif = session.get(Motif, motif_id)
    if motif is None or motif.organisation_id != place.organisation_id:
        raise NotFound("motif")
    if not 0 <= weekday <= 6:
        raise Invalid("weekday goes from 0 (Monday) to 6 (Sunday)")
    _check_hours(start_time, end_time, valid_from, valid_until)
    _check_length(start_time, end_time, motif.duration_minutes)
    period = OpeningPeriod(
        organisation_id=place.organisation_id,
        place_id=place_id,
        motif_id=motif_id,
        weekday=weekday,
        start_time=start_time.replace(second=0, microsecond=0),
        end_time=end_time.replace(second=0, microsecond=0),
        capacity=capacity,
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=now,
    )
    session.add(period)
    session.flush()
    return Change(period=period, slots_created=generate(session, period=period, now=now))


def update_opening_period(
    session: Session, *, period: OpeningPeriod, changes: dict[str, object], now: datetime
) -> Change:
    """Change a plage's hours, end of validity or capacity; its future slots follow.

    Slots the plage no longer holds are withdrawn (see `withdraw`); new hours get their slots.
    """
    allowed = {"start_time", "end_time", "valid_until", "capacity"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"cannot change {', '.join(sorted(unknown))}")
    start_time = changes.get("start_time", period.start_time)
    end_time = changes.get("end_time", period.end_time)
    valid_until = changes.get("valid_until", period.valid_until)
    assert isinstance(start_time, time) and isinstance(end_time, time)
    assert valid_until is None or isinstance(valid_until, date)
    _check_hours(start_time, end_time, period.valid_from, valid_until)
    _, duration = _context(session, period)
    _check_length(start_time, end_time, int(duration.total_seconds() // 60))
    period.start_time = start_time.replace(second=0, microsecond=0)
    period.end_time = end_time.replace(second=0, microsecond=0)
    period.valid_until = valid_until
    if "capacity" in changes and changes["capacity"] is not None:
        period.capacity = int(changes["capacity"])  # type: ignore[call-overload]
    session.flush()
    future = _future_slots(session, period, now)
    fits = _still_fits(session, period, future)
    withdrawal = withdraw(session, [slot for slot in future if slot.id not in fits], now=now)
    for slot in future:
        if slot.id in fits:
            slot.capacity = max(period.capacity, slot.booked_count)
            slot.closed_at = None
    session.flush()
    return Change(
        period=period, slots_created=generate(session, period=period, now=now), withdrawal=withdrawal
    )


def delete_opening_period(session: Session, *, period: OpeningPeriod, now: datetime) -> Withdrawal:
    """Remove a plage: its future slots are withdrawn; past slots and appointments stay, unlinked."""
    withdrawal = withdraw(session, _future_slots(session, period, now), now=now)
    session.query(Slot).filter(Slot.opening_period_id == period.id).update(
        {Slot.opening_period_id: None}, synchronize_session="fetch"
    )
    session.delete(period)
    session.flush()
    return withdrawal


def future_slot_counts(
    session: Session, *, period_ids: Sequence[int], now: datetime
) -> dict[int, tuple[int, int]]:
    """Per plage: (future slots, future places taken), for the console's table."""
    if not period_ids:
        return {}
    rows = session.execute(
        select(Slot.opening_period_id, func.count(Slot.id), func.coalesce(func.sum(Slot.booked_count), 0))
        .where(Slot.opening_period_id.in_(period_ids), Slot.start > now)
        .group_by(Slot.opening_period_id)
    )
    return {period_id: (int(count), int(booked)) for period_id, count, booked in rows}
