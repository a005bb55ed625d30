from datetime import datetime

from pydantic import BaseModel, ConfigDict


class InvitationCreate(BaseModel):
    beneficiary_id: int
    motif_id: int
    place_id: int | None = None


class InvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    beneficiary_id: int
    motif_id: int
    place_id: int
    status: str
    offered_slot_ids: list[int]
    created_at: datetime
    expires_at: datetime
