from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.accounts import models as _accounts_models  # noqa: F401 (the users table the FKs below name)
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
    "scheduled_message_failed",
    "message_too_late",
    "delivery_uncertain",
    "processing_failed",
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
    # Who works on it (set by "take"), and who closed it and when.
    taken_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
