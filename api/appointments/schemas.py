from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AppointmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    beneficiary_id: int
    slot_id: int
    invitation_id: int | None
    status: str
    created_at: datetime
