from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, utcnow


class Place(Base):
    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200))


class Motif(Base):
    __tablename__ = "motifs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)


class Slot(Base):
    __tablename__ = "slots"
    __table_args__ = (
        CheckConstraint("booked_count >= 0 AND booked_count <= capacity", name="booked_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    motif_id: Mapped[int] = mapped_column(ForeignKey("motifs.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # Kept in the row so that booking is one conditional UPDATE on every backend.
    booked_count: Mapped[int] = mapped_column(Integer, default=0)
    # The plage d'ouverture this slot was generated from; None for a slot made by hand.
    opening_period_id: Mapped[int | None] = mapped_column(ForeignKey("opening_periods.id"), index=True)
    # Withdrawn from the agenda (plage deleted or shortened) but kept because something points at
    # it: never offered again, even when a place in it is freed.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    place: Mapped[Place] = relationship(lazy="joined")


class OpeningPeriod(Base):
    """A plage d'ouverture: every `weekday`, from `start_time` to `end_time`, slots of the
    motif's length at a place, between `valid_from` and `valid_until` (open-ended if None)."""

    __tablename__ = "opening_periods"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_in_week"),
        CheckConstraint("start_time < end_time", name="starts_before_end"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    motif_id: Mapped[int] = mapped_column(ForeignKey("motifs.id"))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday, as date.weekday()
    start_time: Mapped[time] = mapped_column(Time)  # local time of the organisation
    end_time: Mapped[time] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Absence(Base):
    """A time when nobody receives: at one place, or at every place of the organisation."""

    __tablename__ = "absences"
    __table_args__ = (CheckConstraint("starts_at < ends_at", name="starts_before_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
