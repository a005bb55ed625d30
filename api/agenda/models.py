from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime


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

    place: Mapped[Place] = relationship(lazy="joined")
