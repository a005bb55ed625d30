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

Withdrawing the slots a plage no longer holds reaches appointments and invitations, so it is one
layer up: api/appointments/agenda_changes.py (plage changed or deleted, absence, daily job).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from api.agenda.models import Absence, Motif, OpeningPeriod, Place, Slot
from api.config import get_settings
from api.errors import Invalid, NotFound
from api.organisations.models import Organisation
from api.public_holidays import local_day_is_holiday

# Key of the PostgreSQL advisory locks that keep two generators from creating the same slot.
_LOCK_SPACE = 0x5107


@dataclass
class Change:
    """A plage created: the slots made."""

    period: OpeningPeriod
    slots_created: int = 0


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


# --------------------------------------------------------------------------- the slots of a plage


def future_slots(session: Session, period: OpeningPeriod, now: datetime) -> list[Slot]:
    query = select(Slot).where(Slot.opening_period_id == period.id, Slot.start > now).order_by(Slot.start)
    return list(session.scalars(query))


def still_fits(session: Session, period: OpeningPeriod, slots: Sequence[Slot]) -> set[int]:
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


@dataclass(frozen=True)
class PlageProblem:
    """What is wrong with a plage's hours or dates, and the field at fault (schema names)."""

    field: str
    code: str
    message: str


def plage_problems(
    *, start_time: time, end_time: time, valid_from: date, valid_until: date | None, duration_minutes: int
) -> list[PlageProblem]:
    """The rules a plage breaks across its fields, in the order the REST API reports the first."""
    problems = []
    if start_time >= end_time:
        problems.append(PlageProblem("end_time", "end_before_start", "start_time must come before end_time"))
    if valid_until is not None and valid_until < valid_from:
        problems.append(
            PlageProblem("valid_until", "until_before_from", "valid_until must not come before valid_from")
        )
    minutes = (end_time.hour * 60 + end_time.minute) - (start_time.hour * 60 + start_time.minute)
    if start_time < end_time and minutes < duration_minutes:
        message = f"the plage is shorter than one appointment of this motif ({duration_minutes} min)"
        problems.append(PlageProblem("end_time", "shorter_than_motif", message))
    return problems


def _check(
    start_time: time, end_time: time, valid_from: date, valid_until: date | None, duration_minutes: int
) -> None:
    if start_time.tzinfo is not None or end_time.tzinfo is not None:
        raise Invalid("start_time and end_time are local wall-clock times, without an offset")
    problems = plage_problems(
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        valid_until=valid_until,
        duration_minutes=duration_minutes,
    )
    if problems:
        raise Invalid(problems[0].message)


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
    _check(start_time, end_time, valid_from, valid_until, motif.duration_minutes)
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


def change_opening_period(session: Session, *, period: OpeningPeriod, changes: dict[str, object]) -> None:
    """Change a plage's hours, end of validity or capacity (its slots: agenda_changes.py)."""
    allowed = {"start_time", "end_time", "valid_until", "capacity"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"cannot change {', '.join(sorted(unknown))}")
    start_time = changes.get("start_time", period.start_time)
    end_time = changes.get("end_time", period.end_time)
    valid_until = changes.get("valid_until", period.valid_until)
    assert isinstance(start_time, time) and isinstance(end_time, time)
    assert valid_until is None or isinstance(valid_until, date)
    _, duration = _context(session, period)
    _check(start_time, end_time, period.valid_from, valid_until, int(duration.total_seconds() // 60))
    period.start_time = start_time.replace(second=0, microsecond=0)
    period.end_time = end_time.replace(second=0, microsecond=0)
    period.valid_until = valid_until
    if "capacity" in changes and changes["capacity"] is not None:
        period.capacity = int(changes["capacity"])  # type: ignore[call-overload]
    session.flush()


def remove_opening_period(session: Session, *, period: OpeningPeriod) -> None:
    """Delete a plage; its past slots stay, unlinked (its future ones are withdrawn first)."""
    session.query(Slot).filter(Slot.opening_period_id == period.id).update(
        {Slot.opening_period_id: None}, synchronize_session="fetch"
    )
    session.delete(period)
    session.flush()


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
