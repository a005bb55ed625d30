from datetime import datetime

from pydantic import BaseModel


class ConsentQuestionRead(BaseModel):
    """The question sent: its outbox message, to follow its delivery."""

    outbox_message_id: int
    body: str
    asked_at: datetime
