from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class PlaceCreate(BaseModel):
    organisation_id: int
    name: str = Field(min_length=1, max_length=120)
    address: str = Field(min_length=1, max_length=200)


class PlaceRead(PlaceCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int


class MotifCreate(BaseModel):
    organisation_id: int
    name: str = Field(min_length=1, max_length=120)
    duration_minutes: int = Field(default=60, ge=5, le=480)


class MotifRead(MotifCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int


class SlotCreate(BaseModel):
    place_id: int
    motif_id: int
    start: AwareDatetime
    capacity: int = Field(default=1, ge=1, le=100)


class SlotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int
    place_id: int
    motif_id: int
    start: datetime
    end: datetime
    capacity: int
    booked_count: int
