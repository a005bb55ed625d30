from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    departement_code: Mapped[str] = mapped_column(String(3))
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    contact_hours: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Messaging policy (issue 3), each a setting of the organisation.
    relance_after_days: Mapped[int] = mapped_column(Integer, default=3)
    invitation_validity_days: Mapped[int] = mapped_column(Integer, default=10)
    reminder_days_before: Mapped[int] = mapped_column(Integer, default=2)
    reminder_hour: Mapped[int] = mapped_column(Integer, default=10)
    reminder_day_before: Mapped[bool] = mapped_column(Boolean, default=False)
    late_cancellation_hours: Mapped[int] = mapped_column(Integer, default=4)
    sending_start_hour: Mapped[int] = mapped_column(Integer, default=8)
    sending_end_hour: Mapped[int] = mapped_column(Integer, default=20)
    # Weekdays allowed for sending, Monday=0: "012345" is Monday to Saturday.
    sending_weekdays: Mapped[str] = mapped_column(String(7), default="012345")
    skip_public_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    # A short optional questionnaire by SMS after a first booking (issue 4).
    questionnaire_enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def zone(self) -> ZoneInfo:
        """The organisation's time zone: its agenda, sending hours and labels are in it."""
        return ZoneInfo(self.time_zone)
