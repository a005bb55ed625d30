from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class ErasureRecord(Base):
    """The anonymous trace an erasure leaves: when, why, by whom, how many rows; no personal data."""

    __tablename__ = "erasure_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(12))  # "request" or "retention"
    # None when the retention job erased it.
    erased_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Rows removed per table, e.g. {"carnet_entries": 12, "appointments": 1}.
    removed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
