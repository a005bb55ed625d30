from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class OrganisationCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    departement_code: str = Field(min_length=2, max_length=3)
    time_zone: str = "Europe/Paris"
    contact_phone: str = ""
    contact_hours: str = ""


class OrganisationRead(OrganisationCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int
    created_at: datetime
