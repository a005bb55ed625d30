from datetime import datetime

from pydantic import BaseModel, ConfigDict


class HandoffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int | None
    beneficiary_id: int | None
    phone: str | None
    reason: str
    text: str
    inbound_message_id: int | None
    state: str
    created_at: datetime
    taken_by_user_id: int | None = None
    taken_at: datetime | None = None
    closed_by_user_id: int | None = None
    closed_at: datetime | None = None
