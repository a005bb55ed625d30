from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class AppointmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    beneficiary_id: int
    slot_id: int
    invitation_id: int | None
    status: str
    created_at: datetime
    confirmed_at: datetime | None
    status_changed_at: datetime | None


class AppointmentStatusUpdate(BaseModel):
    status: Literal["seen", "noshow", "excused", "revoked"]
