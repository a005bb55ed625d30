from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ErasureRead(BaseModel):
    """The anonymous trace of an erasure: no name, no number, no id of the person."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int
    erased_at: datetime
    reason: str
    erased_by_user_id: int | None
    removed: dict[str, int]
