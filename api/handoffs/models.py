from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow

HANDOFF_REASONS = (
    "asked_human",
    "unknown_number",
    "not_understood",
    "out_of_scope",
    "bot_unavailable",
    "api_unavailable",
    "message_too_long",
    "late_cancellation",
    "no_slot_left",
    "unreachable_number",
    "delivery_failed",
    "no_offer",
    "immersion",
)


class HandoffRequest(Base):
    """An entry of the professionals' queue: someone a human should answer."""

    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))  # only for unknown numbers
    reason: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    state: Mapped[str] = mapped_column(String(12), default="open")  # open, taken, closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
