from datetime import datetime

from pydantic import BaseModel


class BarrierRead(BaseModel):
    carnet_entry_id: int
    beneficiary_id: int
    first_name: str | None
    group: str
    themes: list[str]
    words: str
    source: str
    offer_names: list[str]
    created_at: datetime
