"""Figures of one organisation over a period of local dates, in a handful of aggregate queries.

Definitions (the same, for the people who read the figures, in docs/figures.md):

- Period: local dates `start` to `end`, both included, in the organisation's time zone: from
  `start` at 00:00 to the day after `end` at 00:00, local time (a 23 or 25-hour day at a clock
  change is handled by zoneinfo). At most 366 days.
- Invitations sent: invitations of kind "invitation" created in the period (the offers made to
  move an existing appointment, kind "move", are not counted; the new offer that follows a
  cancellation by the service is an invitation and is counted).
- Booking rate: of the invitations sent in the period (a cohort), the share from which an
  appointment was booked (`Appointment.invitation_id`), whenever it was booked, also after the
  end of the period, and whatever became of the appointment later (cancelled, moved). The rate
  of a recent period can therefore still grow.
- Median delay from invitation to booking: over the booked invitations of that cohort, the
  median of (first booking - invitation), in hours; shown in days from 48 hours on.
- Appointments of the period: appointments whose slot (the current one, after a move) starts
  in the period.
  - Confirmation rate: those the person confirmed (`confirmed_at`, "oui" to a reminder) over
    all of them, cancelled ones included.
  - No-show rate: noshow / (seen + noshow). Not marked: status still "unknown" although the slot
    has started; their share is not marked / (seen + noshow + not marked). Cancelled ones
    (excused, revoked) are in neither; appointments still to come are counted apart.
- Messages: outbox messages to the organisation's people handed to Twilio (state "sent") with
  `sent_at` in the period. SMS: how many and their segments (what is billed). WhatsApp is
  counted apart, in messages (no segments). Inbound: messages received from the organisation's
  people (messages from unknown numbers belong to no organisation).
- Barriers: carnet entries of kind "barrier" created in the period, per group (`data["group"]`):
  entries and distinct people.
- Orientation requests (api/orientations/figures.py): those the organisation sent, and those it
  received, created in the period, by what they are now (open, accepted, refused, expired).
- Series: per day for a period of up to 31 days, otherwise per week (Monday to Sunday; the
  first and last weeks are cut at the period's edges): invitations sent, and appointments booked
  (`Appointment.created_at`, from an invitation or not).

Time buckets are computed by the database with a CASE over UTC boundaries worked out here, so
SQLite and PostgreSQL agree without time zone functions; the median is computed in Python over
the booked invitations of the period.
"""

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.agenda.models import Slot
from api.appointments.models import Appointment
from api.barriers.service import BARRIER_GROUPS
from api.beneficiaries.models import Beneficiary
from api.carnet.models import CarnetEntry
from api.db import utcnow
from api.invitations.models import Invitation
from api.messaging.models import InboundMessage, OutboxMessage
from api.orientations.figures import OrientationFigures, orientation_figures

MAX_DAYS = 366
DEFAULT_DAYS = 30
DAILY_UP_TO_DAYS = 31


@dataclass(frozen=True)
class Bucket:
    """One bar of the time series: local dates `start` to `end`, both included."""

    start: date
    end: date
    invitations: int
    bookings: int


@dataclass(frozen=True)
class BarrierCount:
    group: str
    entries: int
    people: int


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    organisation_id: int
    start: date
    end: date
    time_zone: str
    invitations_sent: int
    invitations_booked: int
    median_delay_hours: float | None
    appointments: int
    confirmed: int
    seen: int
    noshow: int
    excused: int
    revoked: int
    not_marked: int
    upcoming: int
    sms_messages: int
    sms_segments: int
    whatsapp_messages: int
    inbound_messages: int
    barriers: list[BarrierCount]
    granularity: str  # "day" or "week"
    series: list[Bucket]
    orientations: OrientationFigures

    @property
    def booking_rate(self) -> float | None:
        return rate(self.invitations_booked, self.invitations_sent)

    @property
    def median_delay_days(self) -> float | None:
        return None if self.median_delay_hours is None else self.median_delay_hours / 24

    @property
    def confirmation_rate(self) -> float | None:
        return rate(self.confirmed, self.appointments)

    @property
    def noshow_rate(self) -> float | None:
        return rate(self.noshow, self.seen + self.noshow)

    @property
    def not_marked_rate(self) -> float | None:
        return rate(self.not_marked, self.seen + self.noshow + self.not_marked)


# --------------------------------------------------------------------------- period


def resolve_period(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """Fill in what is missing: the end is today (or the start, if later), the start 29 days
    before the end. Without either: the last 30 days, today included."""
    end = end or (today if start is None else max(start, today))
    return start or end - timedelta(days=DEFAULT_DAYS - 1), end


def period_problem(start: date, end: date) -> str | None:
    """'start_after_end', 'too_long' (more than 366 days), or None when the period is fine."""
    if start > end:
        return "start_after_end"
    if (end - start).days + 1 > MAX_DAYS:
        return "too_long"
    return None


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which this local date begins."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def utc_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[from, to) in UTC for the local dates start..end, both included."""
    return local_midnight(start, tz), local_midnight(end + timedelta(days=1), tz)


def buckets(start: date, end: date) -> tuple[str, list[tuple[date, date]]]:
    """The series' granularity and its buckets of local dates (per day up to 31 days, else per week)."""
    days = (end - start).days + 1
    if days <= DAILY_UP_TO_DAYS:
        return "day", [(start + timedelta(days=n), start + timedelta(days=n)) for n in range(days)]
    found = []
    first = start
    while first <= end:
        last = min(first + timedelta(days=6 - first.weekday()), end)  # to Sunday
        found.append((first, last))
        first = last + timedelta(days=1)
    return "week", found


# --------------------------------------------------------------------------- queries


def _per_bucket(
    session: Session,
    query: Select,
    column: InstrumentedAttribute,
    edges: list[datetime],
) -> list[int]:
    """How many rows of `query` fall in each bucket, `edges` being the buckets' UTC starts and
    the period's end. One GROUP BY on a CASE: the database does the counting."""
    bucket = case(*[(column < edge, index) for index, edge in enumerate(edges[1:])], else_=None)
    inner = query.add_columns(bucket.label("bucket")).where(column >= edges[0], column < edges[-1])
    rows = inner.subquery()
    counts = dict(session.execute(select(rows.c.bucket, func.count()).group_by(rows.c.bucket)).tuples().all())
    return [counts.get(index, 0) for index in range(len(edges) - 1)]


def _in(column: InstrumentedAttribute, lower: datetime, upper: datetime) -> ColumnElement[bool]:
    return and_(column >= lower, column < upper)


def _delays_hours(session: Session, organisation_id: int, lower: datetime, upper: datetime) -> list[float]:
    """Hours from invitation to its first booking, one per booked invitation of the cohort."""
    query = (
        select(Invitation.created_at, func.min(Appointment.created_at))
        .join(Appointment, Appointment.invitation_id == Invitation.id)
        .where(
            Invitation.organisation_id == organisation_id,
            Invitation.kind == "invitation",
            _in(Invitation.created_at, lower, upper),
        )
        .group_by(Invitation.id, Invitation.created_at)
    )
    return [
        (booked_at - invited_at).total_seconds() / 3600
        for invited_at, booked_at in session.execute(query).tuples()
    ]


def _appointment_counts(
    session: Session, organisation_id: int, lower: datetime, upper: datetime, now: datetime
) -> dict[str, int]:
    def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    status = Appointment.status
    unknown = status == "unknown"
    query = (
        select(
            func.count().label("appointments"),
            func.count(Appointment.confirmed_at).label("confirmed"),
            count_if(status == "seen").label("seen"),
            count_if(status == "noshow").label("noshow"),
            count_if(status == "excused").label("excused"),
            count_if(status == "revoked").label("revoked"),
            count_if(and_(unknown, Slot.start <= now)).label("not_marked"),
            count_if(and_(unknown, Slot.start > now)).label("upcoming"),
        )
        .select_from(Appointment)
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.organisation_id == organisation_id, _in(Slot.start, lower, upper))
    )
    row = session.execute(query).one()
    return {key: int(value) for key, value in row._mapping.items()}


def _outbound(
    session: Session, organisation_id: int, lower: datetime, upper: datetime
) -> dict[str, tuple[int, int]]:
    """channel -> (messages, segments) handed to Twilio in the period."""
    query = (
        select(OutboxMessage.channel, func.count(), func.coalesce(func.sum(OutboxMessage.segments), 0))
        .join(Beneficiary, OutboxMessage.beneficiary_id == Beneficiary.id)
        .where(
            Beneficiary.organisation_id == organisation_id,
            OutboxMessage.state == "sent",
            _in(OutboxMessage.sent_at, lower, upper),
        )
        .group_by(OutboxMessage.channel)
    )
    return {channel: (int(count), int(segments)) for channel, count, segments in session.execute(query)}


def _inbound(session: Session, organisation_id: int, lower: datetime, upper: datetime) -> int:
    query = (
        select(func.count())
        .select_from(InboundMessage)
        .join(Beneficiary, InboundMessage.beneficiary_id == Beneficiary.id)
        .where(
            Beneficiary.organisation_id == organisation_id,
            _in(InboundMessage.received_at, lower, upper),
        )
    )
    return session.scalar(query) or 0


def _barriers(session: Session, organisation_id: int, lower: datetime, upper: datetime) -> list[BarrierCount]:
    """Every known group (zero included), then any other group found, by name."""
    entries = (
        select(
            func.coalesce(CarnetEntry.data["group"].as_string(), "").label("grp"),
            CarnetEntry.beneficiary_id,
        )
        .join(Beneficiary, CarnetEntry.beneficiary_id == Beneficiary.id)
        .where(
            Beneficiary.organisation_id == organisation_id,
            CarnetEntry.kind == "barrier",
            _in(CarnetEntry.created_at, lower, upper),
        )
        .subquery()
    )
    query = select(entries.c.grp, func.count(), func.count(func.distinct(entries.c.beneficiary_id))).group_by(
        entries.c.grp
    )
    found = {group: (int(n), int(people)) for group, n, people in session.execute(query)}
    groups = list(BARRIER_GROUPS) + sorted(set(found) - set(BARRIER_GROUPS))
    return [BarrierCount(group, *found.get(group, (0, 0))) for group in groups]


def compute(
    session: Session,
    *,
    organisation_id: int,
    start: date,
    end: date,
    tz: ZoneInfo,
    now: datetime | None = None,
) -> Figures:
    """The organisation's figures for local dates start..end (see the module docstring)."""
    now = now or utcnow()
    lower, upper = utc_bounds(start, end, tz)
    granularity, spans = buckets(start, end)
    edges = [local_midnight(first, tz) for first, _last in spans] + [upper]

    invited = (
        select()
        .select_from(Invitation)
        .where(Invitation.organisation_id == organisation_id, Invitation.kind == "invitation")
    )
    booked = select().select_from(Appointment).where(Appointment.organisation_id == organisation_id)
    invitations = _per_bucket(session, invited, Invitation.created_at, edges)
    bookings = _per_bucket(session, booked, Appointment.created_at, edges)
    delays = _delays_hours(session, organisation_id, lower, upper)
    appointments = _appointment_counts(session, organisation_id, lower, upper, now)
    outbound = _outbound(session, organisation_id, lower, upper)
    sms_messages, sms_segments = outbound.get("sms", (0, 0))

    return Figures(
        organisation_id=organisation_id,
        start=start,
        end=end,
        time_zone=tz.key,
        invitations_sent=sum(invitations),
        invitations_booked=len(delays),
        median_delay_hours=statistics.median(delays) if delays else None,
        **appointments,
        sms_messages=sms_messages,
        sms_segments=sms_segments,
        whatsapp_messages=outbound.get("whatsapp", (0, 0))[0],
        inbound_messages=_inbound(session, organisation_id, lower, upper),
        barriers=_barriers(session, organisation_id, lower, upper),
        granularity=granularity,
        series=[
            Bucket(first, last, invited_count, booked_count)
            for (first, last), invited_count, booked_count in zip(spans, invitations, bookings, strict=True)
        ],
        orientations=orientation_figures(session, organisation_id=organisation_id, lower=lower, upper=upper),
    )
