from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class Beneficiary(Base):
    # A number is unique within an organisation only: the same person may be followed by two
    # départements, and neither may learn that the other knows the number (docs/security.md).
    __tablename__ = "beneficiaries"
    __table_args__ = (UniqueConstraint("organisation_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
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


class BeneficiaryImport(Base):
    """A CSV file of beneficiaries being imported in the background, with its progress.

    The raw file holds personal data: `content` is emptied once the import ends; the report
    keeps row numbers and reasons, never a whole row.
    """

    __tablename__ = "beneficiary_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filename: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str | None] = mapped_column(Text)
    # Our field name -> the file's column header, chosen by the professional.
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, running, done, failed
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # [{"row": 3, "column": "telephone", "message": "numéro fixe"}], row 1 being the header.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
