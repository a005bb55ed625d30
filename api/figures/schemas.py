"""The figures as JSON: counts, and rates as fractions (0.25 is 25 %), null when nothing to divide."""

from datetime import date

from pydantic import BaseModel

from api.figures.service import Figures
from api.orientations.figures import OrientationCounts


class InvitationFigures(BaseModel):
    sent: int
    booked: int
    booking_rate: float | None
    median_delay_hours: float | None
    median_delay_days: float | None


class AppointmentFigures(BaseModel):
    total: int
    confirmed: int
    confirmation_rate: float | None
    seen: int
    noshow: int
    excused: int
    revoked: int
    not_marked: int
    upcoming: int
    noshow_rate: float | None
    not_marked_rate: float | None


class MessageFigures(BaseModel):
    sms_sent: int
    sms_segments: int
    whatsapp_sent: int
    inbound: int


class BarrierFigures(BaseModel):
    group: str
    entries: int
    people: int


class OrientationCountsRead(BaseModel):
    total: int
    open: int
    accepted: int
    refused: int
    expired: int
    # accepted / (accepted + refused + expired); null while none is closed.
    acceptance_rate: float | None


class OrientationFiguresRead(BaseModel):
    sent: OrientationCountsRead
    received: OrientationCountsRead


class SeriesPoint(BaseModel):
    start: date
    end: date
    invitations: int
    bookings: int


class Series(BaseModel):
    granularity: str  # "day" or "week"
    points: list[SeriesPoint]


class FiguresRead(BaseModel):
    organisation_id: int
    start: date
    end: date
    time_zone: str
    invitations: InvitationFigures
    appointments: AppointmentFigures
    messages: MessageFigures
    barriers: list[BarrierFigures]
    orientations: OrientationFiguresRead
    series: Series

    @classmethod
    def of(cls, figures: Figures) -> "FiguresRead":
        def hours(value: float | None) -> float | None:
            return None if value is None else round(value, 2)

        return cls(
            organisation_id=figures.organisation_id,
            start=figures.start,
            end=figures.end,
            time_zone=figures.time_zone,
            invitations=InvitationFigures(
                sent=figures.invitations_sent,
                booked=figures.invitations_booked,
                booking_rate=figures.booking_rate,
                median_delay_hours=hours(figures.median_delay_hours),
                median_delay_days=hours(figures.median_delay_days),
            ),
            appointments=AppointmentFigures(
                total=figures.appointments,
                confirmed=figures.confirmed,
                confirmation_rate=figures.confirmation_rate,
                seen=figures.seen,
                noshow=figures.noshow,
                excused=figures.excused,
                revoked=figures.revoked,
                not_marked=figures.not_marked,
                upcoming=figures.upcoming,
                noshow_rate=figures.noshow_rate,
                not_marked_rate=figures.not_marked_rate,
            ),
            messages=MessageFigures(
                sms_sent=figures.sms_messages,
                sms_segments=figures.sms_segments,
                whatsapp_sent=figures.whatsapp_messages,
                inbound=figures.inbound_messages,
            ),
            barriers=[
                BarrierFigures(group=b.group, entries=b.entries, people=b.people) for b in figures.barriers
            ],
            orientations=OrientationFiguresRead(
                sent=_orientation_counts(figures.orientations.sent),
                received=_orientation_counts(figures.orientations.received),
            ),
            series=Series(
                granularity=figures.granularity,
                points=[
                    SeriesPoint(start=p.start, end=p.end, invitations=p.invitations, bookings=p.bookings)
                    for p in figures.series
                ],
            ),
        )


def _orientation_counts(counts: OrientationCounts) -> OrientationCountsRead:
    return OrientationCountsRead(
        total=counts.total,
        open=counts.open,
        accepted=counts.accepted,
        refused=counts.refused,
        expired=counts.expired,
        acceptance_rate=counts.acceptance_rate,
    )
