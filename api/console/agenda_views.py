"""What the agenda pages show: French dates, plages and absences, the appointments of a day or week."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda import absences as absence_service
from api.agenda import openings
from api.agenda.models import Motif, OpeningPeriod, Place
from api.appointments import agenda_changes, day_view
from api.appointments.models import Appointment
from api.calendar_words import MONTHS, WEEKDAYS
from api.console import labels
from api.console.views import full_name


def hour_label(moment: time | datetime) -> str:
    """'9h00', '14h30'."""
    return f"{moment.hour}h{moment.minute:02d}"


def day_label(day: date, *, year: bool = False) -> str:
    """'jeudi 3 décembre' ('1er' for the first), with the year if asked."""
    number = "1er" if day.day == 1 else str(day.day)
    label = f"{WEEKDAYS[day.weekday()]} {number} {MONTHS[day.month - 1]}"
    return f"{label} {day.year}" if year else label


def moment_label(moment: datetime, tz: ZoneInfo) -> str:
    """'jeudi 3 décembre à 14h30', in the organisation's time zone."""
    local = moment.astimezone(tz)
    return f"{day_label(local.date())} à {hour_label(local)}"


def period_label(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> str:
    """An absence in words: whole days when it runs from midnight to midnight, else from/to hours."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    if start.time() == time(0) and end.time() == time(0):
        last = end.date() - timedelta(days=1)
        if last <= start.date():
            return f"{day_label(start.date()).capitalize()}, toute la journée"
        return f"Du {day_label(start.date())} au {day_label(last)}, journées entières"
    if start.date() == end.date():
        return f"{day_label(start.date()).capitalize()}, de {hour_label(start)} à {hour_label(end)}"
    return f"Du {moment_label(starts_at, tz)} au {moment_label(ends_at, tz)}"


def short_date(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


# --------------------------------------------------------------------------- appointments


@dataclass
class AppointmentRow:
    """One appointment in a table: when, who (link to the carnet), what, where, its status and actions."""

    id: int
    beneficiary_id: int
    name: str
    day: date
    when: str  # "14h30 – 15h15"
    moment: str  # "jeudi 3 décembre à 14h30"
    motif: str
    place: str
    organisation: str
    status: str
    status_label: str
    status_badge: str
    actions: list[tuple[str, str]] = field(default_factory=list)  # (status, button text)


def status_badge(status: str, started: bool) -> tuple[str, str]:
    """The appointment's status in French with a DSFR badge colour; a past one not recorded stands out."""
    if status == "unknown" and started:
        return labels.APPOINTMENT_TO_RECORD
    return labels.APPOINTMENT_STATUSES.get(status, (status, ""))


def attendance_actions(status: str, started: bool) -> list[tuple[str, str]]:
    """The attendance buttons that make sense: nothing after a cancellation; seen/noshow once started."""
    if status in ("excused", "revoked"):
        return []
    shown = ("seen", "noshow", "excused", "revoked") if started else ("excused", "revoked")
    return [(code, labels.ATTENDANCE_BUTTONS[code]) for code in shown if code != status]


def appointment_rows(
    rows: list[day_view.AgendaRow], *, zones: dict[int, ZoneInfo], names: dict[int, str], now: datetime
) -> list[AppointmentRow]:
    result = []
    for row in rows:
        tz = zones[row.appointment.organisation_id]
        start, end = row.slot.start.astimezone(tz), row.slot.end.astimezone(tz)
        started = row.slot.start <= now
        label, badge = status_badge(row.appointment.status, started)
        result.append(
            AppointmentRow(
                id=row.appointment.id,
                beneficiary_id=row.beneficiary.id,
                name=full_name(row.beneficiary),
                day=start.date(),
                when=f"{hour_label(start)} – {hour_label(end)}",
                moment=moment_label(row.slot.start, tz),
                motif=row.motif.name,
                place=row.place.name,
                organisation=names.get(row.appointment.organisation_id, ""),
                status=row.appointment.status,
                status_label=label,
                status_badge=badge,
                actions=attendance_actions(row.appointment.status, started),
            )
        )
    return result


# --------------------------------------------------------------------------- plages and absences


@dataclass
class PlageRow:
    period: OpeningPeriod
    weekday: str
    hours: str
    place: str
    motif: str
    validity: str
    ended: bool
    future_slots: int
    future_booked: int


@dataclass
class AbsenceRow:
    id: int
    period: str
    place: str
    reason: str
    to_move: list[AppointmentRow]


def plage_rows(session: Session, *, organisation_id: int, today: date, now: datetime) -> list[PlageRow]:
    query = (
        select(OpeningPeriod, Place, Motif)
        .join(Place, OpeningPeriod.place_id == Place.id)
        .join(Motif, OpeningPeriod.motif_id == Motif.id)
        .where(OpeningPeriod.organisation_id == organisation_id)
        .order_by(OpeningPeriod.weekday, OpeningPeriod.start_time, Place.name, OpeningPeriod.id)
    )
    found = list(session.execute(query).tuples())
    counts = openings.future_slot_counts(session, period_ids=[p.id for p, _pl, _m in found], now=now)
    rows = []
    for period, place, motif in found:
        if period.valid_until is None:
            validity = f"À partir du {short_date(period.valid_from)}"
        else:
            validity = f"Du {short_date(period.valid_from)} au {short_date(period.valid_until)}"
        slots, booked = counts.get(period.id, (0, 0))
        rows.append(
            PlageRow(
                period=period,
                weekday=WEEKDAYS[period.weekday].capitalize(),
                hours=f"{hour_label(period.start_time)} – {hour_label(period.end_time)}",
                place=place.name,
                motif=f"{motif.name} ({motif.duration_minutes} min)",
                validity=validity,
                ended=period.valid_until is not None and period.valid_until < today,
                future_slots=slots,
                future_booked=booked,
            )
        )
    return rows


def absence_rows(session: Session, *, organisation_id: int, tz: ZoneInfo, now: datetime) -> list[AbsenceRow]:
    """Absences not over yet, each with the appointments still inside it (to move)."""
    places = dict(
        session.execute(select(Place.id, Place.name).where(Place.organisation_id == organisation_id))
        .tuples()
        .all()
    )
    rows = []
    for absence in absence_service.list_absences(
        session, organisation_ids=[organisation_id], ending_after=now
    ):
        inside = agenda_changes.appointments_to_move(session, absence=absence, now=now)
        rows.append(
            AbsenceRow(
                id=absence.id,
                period=period_label(absence.starts_at, absence.ends_at, tz),
                place=places.get(absence.place_id, "") if absence.place_id else "Tous les lieux",
                reason=absence.reason,
                to_move=appointment_rows(
                    day_view.describe(session, inside), zones={organisation_id: tz}, names={}, now=now
                ),
            )
        )
    return rows


def to_move_rows(
    session: Session, *, appointment_ids: list[int], organisation_id: int, tz: ZoneInfo, now: datetime
) -> list[AppointmentRow]:
    """Appointments named after a change (?deplacer=...), if still of this organisation and still held."""
    if not appointment_ids:
        return []
    found = session.scalars(
        select(Appointment).where(
            Appointment.id.in_(appointment_ids),
            Appointment.organisation_id == organisation_id,
            Appointment.status == "unknown",
        )
    )
    rows = day_view.describe(session, list(found))
    return appointment_rows(rows, zones={organisation_id: tz}, names={}, now=now)
