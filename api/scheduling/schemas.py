from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ScheduledMessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    beneficiary_id: int
    kind: str
    invitation_id: int | None
    appointment_id: int | None
    due_at: datetime
    state: str
    outbox_message_id: int | None
    note: str | None
