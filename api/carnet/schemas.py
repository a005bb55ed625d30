from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class CarnetEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    beneficiary_id: int
    kind: str
    author: str
    channel: str | None
    body: str
    provider_sid: str | None
    inbound_message_id: int | None
    outbox_message_id: int | None
    data: dict[str, Any]
    created_at: datetime
