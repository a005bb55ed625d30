from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class Beneficiary(Base):
    __tablename__ = "beneficiaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    first_name: Mapped[str | None] = mapped_column(String(80))
    last_name: Mapped[str | None] = mapped_column(String(80))
    # Commune (INSEE code) where the person lives: offers are matched to it.
    code_insee: Mapped[str | None] = mapped_column(String(5))
    preferred_channel: Mapped[str] = mapped_column(String(10), default="sms")
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when Twilio says the number cannot receive SMS (landline, unreachable).
    phone_problem: Mapped[str | None] = mapped_column(String(40))
    # The question the assistant just asked and waits an answer for (e.g. "cancel_or_move").
    pending_question: Mapped[str | None] = mapped_column(String(40))
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
