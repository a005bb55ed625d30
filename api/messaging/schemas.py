from datetime import datetime

from pydantic import BaseModel, ConfigDict


class OutboxMessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    beneficiary_id: int | None
    channel: str
    to_phone: str
    body: str
    kind: str
    state: str
    attempts: int
    provider_sid: str | None
    delivery_status: str | None
    error_code: str | None
    segments: int
    created_at: datetime
    sent_at: datetime | None
