from datetime import datetime

from sqlalchemy import String
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
