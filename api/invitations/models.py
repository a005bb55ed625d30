from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    motif_id: Mapped[int] = mapped_column(ForeignKey("motifs.id"))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, booked, expired, replaced
    # "invitation" to book a first appointment, or "move" to move `appointment_id` elsewhere.
    kind: Mapped[str] = mapped_column(String(12), default="invitation")
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", use_alter=True))
    # Slot ids of the numbered list the person last received, in order (option 1 first).
    offered_slot_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Every slot id ever offered, so that "autre date" moves forward.
    seen_slot_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
