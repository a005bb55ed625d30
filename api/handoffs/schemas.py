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
